"""Two sides of a lockfile joined after a git merge: every paid video id kept, the later state of each job wins."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from runner.lock.markers import split_sides
from runner.lock.records import JobRecord, Lockfile, loads
from runner.lock.world import World
from runner.vocabulary.states import JobState

# How far along a job is within one attempt: a finished job is later than a submitted one.
_STATE_ORDER = {JobState.PENDING: 0, JobState.SUBMITTED: 1, JobState.FAILED: 2, JobState.SUCCEEDED: 3}


@dataclass(frozen=True, slots=True)
class Merged:
    """The union of two lockfiles and what could not be joined (each a line naming the job and both values)."""

    lockfile: Lockfile
    contradictions: tuple[str, ...]
    only_ours: int
    only_theirs: int
    on_both: int


def parse_sides(text: str, source: str) -> tuple[Lockfile, Lockfile]:
    """Both sides of a conflicted lockfile, each read as a lockfile."""
    ours_text, theirs_text = split_sides(text, source)
    return loads(ours_text, f"{source} (our side)"), loads(theirs_text, f"{source} (their side)")


def _later_first(ours: JobRecord, theirs: JobRecord) -> tuple[JobRecord, JobRecord]:
    """(later, earlier): more attempts, then further along, then finished or submitted later."""

    def order(record: JobRecord) -> tuple[int, int, float, float]:
        return (record.attempts, _STATE_ORDER[record.state], record.finished_at or 0.0, record.submitted_at or 0.0)

    return (theirs, ours) if order(theirs) > order(ours) else (ours, theirs)


def _paid_ids(record: JobRecord) -> set[str]:
    """Every id a record holds that is or may become a paid video (a failed task's ids made nothing)."""
    ids = set(record.video_ids)
    if record.state != JobState.FAILED:
        ids.update(record.task_ids)
    if record.stock_video_id:
        ids.add(record.stock_video_id)
    old: Any = (record.replaced or {}).get("video_ids", ())
    ids.update(str(v) for v in old or ())
    return ids


def _all_ids(record: JobRecord) -> set[str]:
    return (
        _paid_ids(record) | set(record.task_ids) | {str(t) for t in (record.replaced or {}).get("task_ids", ()) or ()}
    )


def _join_job(key: str, ours: JobRecord, theirs: JobRecord) -> tuple[JobRecord, str | None]:
    """One job on both sides: the later record, or a contradiction when it would drop an id or mix two jobs."""
    if (ours.kind, ours.provider) != (theirs.kind, theirs.provider):
        return (
            ours,
            f"{key}: a {ours.kind} of {ours.provider} on our side, a {theirs.kind} of {theirs.provider} on theirs",
        )
    later, earlier = _later_first(ours, theirs)
    lost = _paid_ids(earlier) - _all_ids(later)
    if lost:
        return later, (
            f"{key} ({', '.join(sorted(set(ours.addresses) | set(theirs.addresses))) or 'no address'}): "
            f"both sides paid for it: ours holds {_describe(ours)}, theirs {_describe(theirs)}; "
            "keep one record by hand (the other video stays in the account: providers delete nothing)"
        )
    addresses = tuple(sorted(set(later.addresses) | set(earlier.addresses)))
    return replace(later, addresses=addresses), None


def _describe(record: JobRecord) -> str:
    ids = ", ".join(sorted(_paid_ids(record))) or "no ids"
    return f"{record.state.value} ({ids})"


def _join_worlds(ours: World | None, theirs: World | None) -> tuple[World | None, str | None]:
    if ours is None or theirs is None:
        return ours or theirs, None
    shared = set(ours.providers) & set(theirs.providers)
    if ours.sandbox != theirs.sandbox or any(ours.providers[p] != theirs.providers[p] for p in shared):
        return (
            ours,
            f"world: ours is {ours.describe()}, theirs is {theirs.describe()}: their ids live in other accounts",
        )
    return ours.merged(theirs), None


def union(ours: Lockfile, theirs: Lockfile) -> Merged:
    """Join two sides of one campaign's lockfile: every job of both, the later state of a job on both."""
    problems: list[str] = []
    if ours.campaign != theirs.campaign:
        problems.append(f"campaign: '{ours.campaign}' on our side, '{theirs.campaign}' on theirs")
    world, problem = _join_worlds(ours.world, theirs.world)
    problems.extend([problem] if problem else [])
    jobs = dict(theirs.jobs) | dict(ours.jobs)
    for key in sorted(set(ours.jobs) & set(theirs.jobs)):
        jobs[key], problem = _join_job(key, ours.jobs[key], theirs.jobs[key])
        problems.extend([problem] if problem else [])
    newer, older = (theirs, ours) if theirs.serial > ours.serial else (ours, theirs)
    resolved = {
        p: {**older.resolved_avatars.get(p, {}), **newer.resolved_avatars.get(p, {})}
        for p in {*ours.resolved_avatars, *theirs.resolved_avatars}
    }
    merged = replace(
        ours,
        jobs=jobs,
        resolved_avatars=resolved,
        world=world,
        serial=max(ours.serial, theirs.serial),
        lineage=ours.lineage or theirs.lineage,
    )
    both = len(set(ours.jobs) & set(theirs.jobs))
    return Merged(merged, tuple(problems), len(ours.jobs) - both, len(theirs.jobs) - both, both)
