"""The plan: a pure diff of the job graph against the lockfile."""

from __future__ import annotations

from runner.lock.lockfile import Lockfile
from runner.plan.estimate import estimate
from runner.plan.model import Action, Change, JobGraph, Plan
from runner.wording import plural


def diff(graph: JobGraph, lock: Lockfile, *, max_retries: int = 1) -> Plan:
    """Compare wanted jobs with recorded ones: create, rename, replace, forget or no-op."""
    changes: list[Change] = []
    warnings = list(graph.warnings)
    stale = {key: rec for key, rec in lock.jobs.items() if key not in graph.jobs}
    by_address = {(rec.kind, address): key for key, rec in sorted(stale.items()) for address in rec.addresses}
    replaced: set[str] = set()
    for key in graph.order:
        job = graph.jobs[key]
        record = lock.jobs.get(key)
        if record is None:
            old = next((by_address[(job.kind, a)] for a in job.addresses if (job.kind, a) in by_address), None)
            if old is not None and old not in replaced:
                replaced.add(old)
                changes.append(Change(Action.REPLACE, key, job, record=stale[old], replaces=old))
            else:
                changes.append(Change(Action.CREATE, key, job))
        elif record.state == "succeeded":
            action = Action.RENAME if job.name is not None and job.name != record.name else Action.NOOP
            changes.append(Change(action, key, job, record=record))
        elif record.state in ("submitted", "pending"):
            changes.append(Change(Action.CREATE, key, job, record=record, resume=record.state))
        elif record.attempts <= max_retries:
            changes.append(Change(Action.CREATE, key, job, record=record, resume="retry"))
        else:
            changes.append(Change(Action.NOOP, key, job, record=record))
            reason = f" ({record.error.code}: {record.error.message})" if record.error else ""
            warnings.append(
                f"{key} failed {plural(record.attempts, 'time')}{reason}; not retried again "
                f"(raise apply.max_retries above {max_retries} to retry it)"
            )
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
