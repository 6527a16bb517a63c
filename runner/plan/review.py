"""The plan a reviewer sees: file order, the user's selection, forced replaces, budget and in-flight forgets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from runner.errors import CampaignError
from runner.plan.approval import split_awaiting, with_approvals
from runner.plan.budget import budget_data, budget_warnings
from runner.plan.estimate import estimate
from runner.plan.make import Planned
from runner.plan.model import Action, Change, Plan, Resume
from runner.plan.select import LAST, Position, Selection, choose, places
from runner.vocabulary import kinds
from runner.vocabulary.states import JobState
from runner.wording import plural


class InflightForget(CampaignError):
    """A plan would forget jobs that are paid for and still rendering."""


@dataclass(frozen=True, slots=True)
class Review:
    """What the user asked of the plan besides the spec: selectors and a budget override."""

    selection: Selection = Selection()
    max_new_videos: int | None = None


def review_of_saved(data: Mapping[str, Any]) -> Review:
    """The selection and `--max-videos` a saved plan was made with, so apply plans the same way."""
    override = next(
        (
            limit["value"]
            for limit in (data.get("budget") or {}).get("limits", [])
            if limit.get("origin") == "--max-videos"
        ),
        None,
    )
    return Review(Selection.from_data(data.get("selection")), override if isinstance(override, int) else None)


def reviewed(planned: Planned, review: Review = Review(), *, hold: bool = False) -> Plan:
    """Order the plan by file order, apply the selection and forced replaces, and add the budget.

    `hold` (apply): changes that await approval, and what depends on them, move to `held`.
    """
    plan, selection = planned.plan, review.selection
    changes = list(plan.changes)
    if selection.partial or selection.replaces:
        chosen = choose(selection, planned.spec, planned.graph)
        forced = forced_keys(changes, chosen.replace)
        changes = [
            _forced(c, forced.get(c.key))
            for c in changes
            if c.key in chosen.keys or (c.action is Action.FORGET and not selection.partial)
        ]
    changes = with_approvals(_file_order(planned, changes), planned.spec, planned.approvals)
    held: tuple[Change, ...] = ()
    if hold:
        changes, held = split_awaiting(changes)
    warnings = list(plan.warnings)
    inflight = inflight_forgets(changes)
    if inflight:
        warnings.append(
            f"{plural(len(inflight), 'job')} to forget {'is' if len(inflight) == 1 else 'are'} still rendering (paid for): {', '.join(inflight)}; "
            "their videos would be lost from the lockfile. Apply refuses unless --allow-forget-inflight"
        )
    budget = budget_data(changes, planned.lock, planned.spec, review.max_new_videos)
    warnings.extend(budget_warnings(budget))
    counts = {action.value: 0 for action in Action}
    for change in changes:
        counts[change.action.value] += 1
    return replace(
        plan,
        changes=tuple(changes),
        estimate=estimate(changes),
        warnings=tuple(warnings),
        counts=counts,
        selection=selection.to_data() if (selection.partial or selection.replaces) else {},
        budget=budget,
        held=held,
    )


def inflight_forgets(changes: list[Change] | tuple[Change, ...]) -> list[str]:
    """Keys of forgets whose record is still submitted or pending at the provider."""
    return [
        c.key
        for c in changes
        if c.action is Action.FORGET and c.record is not None and c.record.state in ("submitted", "pending")
    ]


def check_inflight(plan: Plan, allowed: bool) -> None:
    """Refuse to forget paid, rendering jobs unless the user said so."""
    inflight = inflight_forgets(plan.changes)
    if inflight and not allowed:
        raise InflightForget(
            f"{plural(len(inflight), 'job')} that left the spec {'is' if len(inflight) == 1 else 'are'} still rendering (paid for): {', '.join(inflight)}; "
            "forgetting them loses their video ids. Put them back in the spec and apply to collect them, "
            "or pass --allow-forget-inflight"
        )


def forced_keys(changes: list[Change], replace: Mapping[str, str]) -> dict[str, str]:
    """The jobs `--replace` makes again, with why: those it matched, and the failed or blocked jobs that a matched
    blocked job waits on (a blocked job cannot be made while its dependency stays failed)."""
    by_key = {c.key: c for c in changes}
    forced = dict(replace)
    stack = list(replace)
    while stack:
        change = by_key.get(stack.pop())
        if change is None or change.job is None or change.action is not Action.BLOCKED:
            continue
        for dep in change.job.depends_on:
            if dep not in forced and dep in by_key and by_key[dep].settled_failure:
                forced[dep] = forced[change.key]
                stack.append(dep)
    return forced


def _forced(change: Change, reason: str | None) -> Change:
    """A succeeded job re-rendered; a failed-for-good or blocked one created again (a failed one as its retry)."""
    if reason is None or change.job is None:
        return change
    state = change.record.state if change.record is not None else None
    if state == JobState.SUCCEEDED:
        return replace(change, action=Action.REPLACE, replaces=None, resume=None, reason=reason)
    if change.settled_failure and state in (None, JobState.FAILED):
        resume = Resume.RETRY if state == JobState.FAILED else None
        why = f"made again on request ({reason})" + (f"; {change.reason}" if change.reason else "")
        return replace(change, action=Action.CREATE, replaces=None, resume=resume, reason=why)
    return change


def _file_order(planned: Planned, changes: list[Change]) -> list[Change]:
    """Group then matrix order, as written in the file; forgets last by address; the key breaks ties."""
    known = places(
        planned.spec, (a for c in changes if c.job is not None for a in c.job.addresses), planned.graph.cells
    )

    def position(change: Change) -> tuple[int, Position, int, str]:
        if change.job is None:
            addresses = change.record.addresses if change.record else ()
            return (1, (), 0, (sorted(addresses) or [""])[0] + change.key)
        addresses = change.job.addresses
        if len(addresses) == 1:  # most jobs: one address, looked up without a generator
            place = known.get(addresses[0])
            first = place.position if place is not None else LAST
        else:
            first = min((known[a].position for a in addresses if a in known), default=LAST)
        return (0, first, kinds.kind(change.job.kind).level, change.key)

    return sorted(_as_built(planned, changes), key=position)


def _as_built(planned: Planned, changes: list[Change]) -> list[Change]:
    """The changes in the order their jobs were built, which is nearly file order: sorting them then takes a few
    long runs, not n log n comparisons of positions. The sort's key still decides the order; this only speeds it."""
    by_key = {c.key: c for c in changes}
    if len(by_key) != len(changes):  # one change per key is what a plan holds; otherwise sort them as they are
        return changes
    ordered = [by_key.pop(key) for key in planned.graph.jobs if key in by_key]
    ordered.extend(by_key.values())
    return ordered
