"""The backend's state and the checkout's (lockfile and journal) side by side: which knows more about a job."""

from __future__ import annotations

from dataclasses import replace

from runner.lock.records import JobRecord, Lockfile
from runner.vocabulary.states import JobState

IN_FLIGHT = (JobState.PENDING, JobState.SUBMITTED)
_PROGRESS = {JobState.PENDING: 0, JobState.SUBMITTED: 1, JobState.SUCCEEDED: 2, JobState.FAILED: 2}


def same_attempt(one: JobRecord, other: JobRecord) -> bool:
    """Whether two records describe one create attempt (the time its write-ahead was recorded)."""
    return one.submitted_at is not None and one.submitted_at == other.submitted_at and one.kind == other.kind


def further(local: JobRecord, stored: JobRecord) -> bool:
    """Whether `local` saw more of the same attempt than `stored` (a reply the backend never got)."""
    return same_attempt(local, stored) and _PROGRESS[JobState(local.state)] > _PROGRESS[JobState(stored.state)]


def merge_local(stored: Lockfile, local: Lockfile) -> Lockfile:
    """The backend's state, with each job the checkout saw further along in the same attempt taken from it.

    A reply recorded only locally (the backend went away while it was in flight) is never lost,
    and a later attempt the backend knows of is never undone by an older local record.
    """
    jobs = dict(stored.jobs)
    for key, record in local.jobs.items():
        known = jobs.get(key)
        if known is not None and further(record, known):
            jobs[key] = record
    return replace(stored, jobs=jobs) if jobs != dict(stored.jobs) else stored


def lacking(stored: Lockfile, pushed: Lockfile) -> dict[str, JobRecord]:
    """The backend's in-flight jobs (pending, submitted) that `pushed` does not know as far (by key)."""
    found = {}
    for key, record in stored.jobs.items():
        if record.state not in IN_FLIGHT:
            continue
        mine = pushed.jobs.get(key)
        if mine is None or not (mine == record or further(mine, record) or _same_state(mine, record)):
            found[key] = record
    return found


def _same_state(mine: JobRecord, record: JobRecord) -> bool:
    return same_attempt(mine, record) and mine.state == record.state and set(record.task_ids) <= set(mine.task_ids)
