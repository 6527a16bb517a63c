"""The plan: a pure diff of the job graph against the lockfile, read through the job state machine."""

from __future__ import annotations

from dataclasses import replace

from runner.api_facts import named_package
from runner.lock.records import JobRecord, Lockfile
from runner.plan.estimate import estimate
from runner.plan.job import Job
from runner.plan.model import Action, Change, JobGraph, Plan, Resume
from runner.vocabulary.errors import ErrorCode, retryable
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.states import JobState, failed_for_good
from runner.wording import plural


def _failure(record: JobRecord) -> str:
    return f"{record.error.code}: {record.error.message}" if record.error else "failed"


def _refused_with_its_batch(record: JobRecord) -> bool:
    """A refusal an older version recorded on every package of a batch: its words name one package's position."""
    error = record.error
    return (
        record.state == JobState.FAILED
        and error is not None
        and not retryable(error.code, record.provider)
        and named_package(error.message) is not None
    )


def _resumed(key: str, job: Job, record: JobRecord, max_retries: int) -> Change:
    """The change for a job the lockfile has but has not finished (pending, submitted, failed)."""
    if record.state == JobState.SUBMITTED:
        return Change(Action.CREATE, key, job, record=record, resume=Resume.SUBMITTED)
    if record.state == JobState.PENDING and job.kind == JobKind.REFRESH_VIDEO:
        reason = (
            f"the refresh create was sent but its reply was lost; it may exist in the account and cannot be matched. "
            f"Re-creating costs {plural(job.expected_videos, 'video')} again: "
            "apply asks on a terminal, or needs --retry-unknown"
        )
        return Change(Action.CREATE, key, job, record=record, resume=Resume.UNKNOWN, reason=reason)
    if record.state == JobState.PENDING:
        return Change(Action.CREATE, key, job, record=record, resume=Resume.PENDING)
    code = record.error.code if record.error else None
    if _refused_with_its_batch(record):
        reason = (
            f"refused with every package of its batch ({_failure(record)}); "
            "sent again, so that the refusal lands on the package it names"
        )
        return Change(Action.CREATE, key, job, record=record, resume=Resume.RETRY, reason=reason)
    if failed_for_good(record.state, record.attempts, code, max_retries, record.provider):
        if retryable(code, record.provider):
            reason = f"failed {plural(record.attempts, 'time')} ({_failure(record)}); not retried again (raise apply.max_retries above {max_retries} to retry it)"
        else:
            reason = f"refused by the provider ({_failure(record)}); change the request in the spec"
        return Change(Action.NOOP, key, job, record=record, reason=reason)
    # A video that failed its post-render check exists and was paid for: making it again replaces it.
    if code == ErrorCode.CHECK_FAILED:
        return Change(Action.REPLACE, key, job, record=record, resume=Resume.RETRY)
    reason = f"failed {plural(record.attempts, 'time')} ({_failure(record)}); retried within apply.max_retries ({max_retries})"
    return Change(Action.CREATE, key, job, record=record, resume=Resume.RETRY, reason=reason)


def _covered(change: Change, retry_unknown: int) -> Change:
    """A pending refresh that `apply.retry_unknown` lets apply re-create without asking: a possible extra cost."""
    job = change.job
    assert job is not None
    reason = (
        f"the refresh create was sent but its reply was lost; it may exist in the account and cannot be matched. "
        f"apply.retry_unknown ({retry_unknown}) lets apply create it again without asking: a possible extra cost "
        f"of {plural(job.expected_videos, 'video')}"
    )
    return replace(change, reason=reason)


def diff(graph: JobGraph, lock: Lockfile, *, max_retries: int = 1, retry_unknown: int = 0) -> Plan:
    """Compare wanted jobs with recorded ones: create, rename, replace, forget, blocked or no-op.

    The first `retry_unknown` pending refreshes within max_retries are re-created by apply without asking.
    """
    changes: list[Change] = []
    warnings = list(graph.warnings)
    stale = {key: rec for key, rec in lock.jobs.items() if key not in graph.jobs}
    by_address = {(rec.kind, address): key for key, rec in sorted(stale.items()) for address in rec.addresses}
    replaced: set[str] = set()
    settled: dict[str, str] = {}  # key -> why it will not succeed (failed for good or blocked)
    allowance = retry_unknown
    for key in graph.order:
        job = graph.jobs[key]
        record = lock.jobs.get(key)
        broken = next((d for d in job.depends_on if d in settled), None) if settled else None
        if broken is not None and (record is None or record.state != JobState.SUCCEEDED):
            reason = f"depends on {broken}, which {settled[broken]}"
            settled[key] = "is blocked"
            changes.append(Change(Action.BLOCKED, key, job, record=record, reason=reason))
            continue
        if record is None:
            old = next((by_address[(job.kind, a)] for a in job.addresses if (job.kind, a) in by_address), None)
            if old is not None and old not in replaced:
                replaced.add(old)
                changes.append(Change(Action.REPLACE, key, job, record=stale[old], replaces=old))
            else:
                changes.append(Change(Action.CREATE, key, job))
        elif record.state == JobState.SUCCEEDED:
            action = Action.RENAME if job.name is not None and job.name != record.name else Action.NOOP
            changes.append(Change(action, key, job, record=record))
        else:
            change = _resumed(key, job, record, max_retries)
            if change.resume == Resume.UNKNOWN and allowance > 0 and record.attempts <= max_retries:
                allowance -= 1
                change = _covered(change, retry_unknown)
            if change.settled_failure:
                settled[key] = f"failed for good ({_failure(record)})"
                warnings.append(f"{key} {change.reason}")
            changes.append(change)
    for key in sorted(set(stale) - replaced):
        changes.append(Change(Action.FORGET, key, None, record=stale[key]))
    counts = {action.value: 0 for action in Action}
    for change in changes:
        counts[change.action.value] += 1
    return Plan(
        campaign=graph.campaign,
        changes=tuple(changes),
        estimate=estimate(changes),
        warnings=tuple(warnings),
        counts=counts,
    )
