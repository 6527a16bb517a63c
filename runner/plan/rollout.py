"""Rollout waves: which cells of each group the next wave makes, and when the breaker stops the rollout.

Each group's paid jobs are taken in file order. A wave says how many of them are made by its end
(a count, or a share rounded up); the next wave is the first one whose end is past what the state
already holds, so a run that stopped (or paused) after a wave goes on with the next.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from runner.campaignfile.model import Rollout, Spec
from runner.lock.records import Lockfile
from runner.plan.approval import group_of
from runner.plan.budget import paid
from runner.plan.estimate import estimate
from runner.plan.model import Change, JobGraph, Plan
from runner.plan.select import Position, places
from runner.vocabulary import kinds
from runner.vocabulary.states import JobState


@dataclass(frozen=True, slots=True)
class Wave:
    """The part of a plan one wave makes, its number, and how many paid jobs wait for later waves."""

    number: int
    waves: int
    plan: Plan
    later: int

    @property
    def paid_keys(self) -> tuple[str, ...]:
        """The paid jobs this wave makes: the ones the breaker counts."""
        return tuple(c.key for c in self.plan.changes if paid(c))


def group_jobs(spec: Spec, graph: JobGraph) -> dict[str, list[str]]:
    """Each group's paid jobs in file order (a job shared by several groups belongs to its first)."""
    known = places(spec, (a for job in graph.jobs.values() for a in job.addresses), graph.cells)
    ordered: dict[str, list[tuple[Position, str]]] = {}
    for job in graph.jobs.values():
        if kinds.kind(job.kind).free:
            continue
        spots = sorted((known[a].position, a) for a in job.addresses if a in known and group_of(a))
        if spots:
            ordered.setdefault(group_of(spots[0][1]), []).append((spots[0][0], job.key))
    return {group: [key for _, key in sorted(pairs)] for group, pairs in ordered.items()}


def _ends(rollout: Rollout, size: int) -> list[int]:
    """How many of a group's `size` jobs are made by the end of each wave."""
    return [min(size, w if isinstance(w, int) else math.ceil(w * size)) for w in rollout.waves]


def next_wave(
    rollout: Rollout, groups: Mapping[str, list[str]], state: Lockfile, plan: Plan, ran: Collection[str] = ()
) -> Wave:
    """The changes of `plan` the next wave makes (what ran earlier in this apply is not made again)."""
    allowed: set[str] = set()
    in_rollout: set[str] = set()
    number = len(rollout.waves)
    for keys in groups.values():
        made = sum(1 for key in keys if key in state.jobs)
        ends = _ends(rollout, len(keys))
        index = next((i for i, end in enumerate(ends) if end > made), len(ends) - 1)
        if made < len(keys):
            number = min(number, index + 1)
        allowed.update(keys[: ends[index]])
        in_rollout.update(keys)
    changes = [c for c in plan.changes if c.key not in ran]
    chosen = _closed(changes, lambda c: not paid(c) or c.key not in in_rollout or c.key in allowed)
    later = sum(1 for c in changes if paid(c) and c.key not in chosen)
    wave_changes = tuple(c for c in changes if c.key in chosen)
    wave_plan = replace(plan, changes=wave_changes, estimate=estimate(list(wave_changes)))
    return Wave(number, len(rollout.waves), wave_plan, later)


def _closed(changes: list[Change], admitted: Callable[[Change], bool]) -> set[str]:
    """Keys of admitted changes whose inputs are made already or made in the same wave."""
    planned = {c.key for c in changes}
    chosen = {c.key for c in changes if admitted(c)}
    while True:
        dropped = {
            c.key
            for c in changes
            if c.key in chosen and c.job is not None and any(d in planned and d not in chosen for d in c.job.depends_on)
        }
        if not dropped:
            return chosen
        chosen -= dropped


def failed_share(keys: Iterable[str], failed: Collection[str]) -> tuple[list[str], float]:
    """The failed ones among `keys` and their share (0 when there are none)."""
    keys = list(keys)
    bad = [k for k in keys if k in failed]
    return bad, (len(bad) / len(keys) if keys else 0.0)


def recorded_failures(groups: Mapping[str, list[str]], state: Lockfile) -> tuple[list[str], float]:
    """Failed renders among the rollout's jobs the state holds, and their share of those.

    Pending and submitted jobs are left out: this apply resumes them for free and counts their outcome.
    """
    made = [key for keys in groups.values() for key in keys if key in state.jobs]
    failed = {key for key in made if state.jobs[key].state == JobState.FAILED}
    return failed_share(made, failed)
