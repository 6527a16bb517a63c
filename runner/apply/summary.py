"""The report step: what a run did, why it stopped, what waits, and the `--format json` summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from runner.apply.context import Context
from runner.execute.engine import ApplyResult, EngineStopped
from runner.plan.approval import group_of
from runner.plan.model import Change
from runner.providers.errors import RunStopped
from runner.terminal import consent_ask
from runner.vocabulary.kinds import known_kind
from runner.vocabulary.states import failed_for_good
from runner.wording import plural

CONSENT_EXIT = 4  # apply did all it could; the rest waits on a person (consent, approval, a paused rollout)


def exit_code(result: ApplyResult) -> int:
    """0 all succeeded and on disk; 1 any failed, is blocked, is not downloaded or undecided; 4 the rest awaits consent."""
    if result.failed or result.skipped or result.waiting or result.unfinished or result.undownloaded:
        return 1
    return CONSENT_EXIT if result.consent else 0


def report(ctx: Context, outcome: ApplyResult | EngineStopped, held: tuple[Change, ...] = ()) -> int:
    """Say how the run ended and return the exit code."""
    if isinstance(outcome, EngineStopped):
        return stopped(ctx, outcome)
    return finished(ctx, outcome, exit_code(outcome), held)


def finished(ctx: Context, result: ApplyResult | None, code: int, held: tuple[Change, ...] = ()) -> int:
    """The summary of a run that got to its end (None: nothing was to be done); return `code`.

    Jobs that await approval make a run that did all else end with 4: the rest waits on a person.
    """
    if result is not None:
        _result_lines(ctx, result)
    _held_lines(ctx, held)
    if ctx.request.fmt == "json":
        summary = json_summary(result, ctx.workspace.lockfile)
        summary["awaiting_approval"] = [c.key for c in held]
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
    return CONSENT_EXIT if held and code == 0 else code


def _held_lines(ctx: Context, held: tuple[Change, ...]) -> None:
    """Each group's jobs that await approval, and the command that approves them."""
    groups: dict[str, list[Change]] = {}
    for change in held:
        addresses = change.job.addresses if change.job is not None else ()
        groups.setdefault(group_of(addresses[0]) if addresses else "", []).append(change)
    for group, changes in groups.items():
        unsigned = [c for c in changes if c.approval is not None and not c.approval.approved]
        awaits = list(dict.fromkeys(r for c in unsigned if c.approval is not None for r in c.approval.awaits if r))
        after = f" (and {len(changes) - len(unsigned)} downstream of them)" if len(changes) > len(unsigned) else ""
        if not unsigned:
            click.echo(
                f"  waiting: {plural(len(changes), 'job')} of {group} wait for jobs that await approval", err=True
            )
            continue
        roles = f" ({', '.join(awaits)})" if awaits else ""
        verb = "awaits" if len(unsigned) == 1 else "await"
        command = f"campaign approve {ctx.request.spec_path}" + (f" --target {group}" if group else "") + " --as NAME"
        click.echo(
            f"  waiting: {plural(len(unsigned), 'job')} of {group or 'the campaign'} {verb} approval{roles}{after}; "
            f"approve with: {command}" + (f" --role {awaits[0]}" if awaits else ""),
            err=True,
        )


def finished_line(result: ApplyResult) -> str:
    """`Apply finished: …`: every kind of outcome the run had, the videos it made and its requests."""
    twins = sum(1 for key in result.succeeded if _is_twin(result, key))
    parts = [
        f"{len(result.succeeded) - twins} succeeded",
        f"{len(result.failed)} failed",
        f"{len(result.skipped)} skipped",
    ]
    for count, what in (
        (twins, "digital twins ready" if twins != 1 else "digital twin ready"),
        (len(result.renamed), "renamed"),
        (len(result.forgotten), "forgotten"),
        (len(result.waiting) + len(result.consent), "waiting"),
    ):
        if count:
            parts.append(f"{count} {what}")
    paid = (
        f" ({result.videos_paid} paid for, failed renders included)"
        if result.videos_paid > result.videos_created
        else ""
    )
    return (
        f"Apply finished: {', '.join(parts)}; {plural(result.videos_created, 'video')} generated{paid}, "
        f"{plural(result.requests, 'request')}."
    )


def _result_lines(ctx: Context, result: ApplyResult) -> None:
    """The "finished" line, then each failed, blocked and waiting job with its reason."""
    failed = result.failed
    click.echo(f"{finished_line(result)} Lockfile: {ctx.workspace.lockfile}", err=ctx.to_stderr)
    for key, reason in sorted(result.rename_failures.items()):
        click.echo(f"  rename failed {key}: {reason}; the next apply tries again", err=True)
    for key in failed:
        record = result.lockfile.jobs.get(key)
        reason = f"{record.error.code}: {record.error.message}" if record and record.error else "failed"
        click.echo(f"  failed {key} ({', '.join(record.addresses) if record else ''}): {reason}", err=True)
    for key in result.skipped:
        click.echo(f"  blocked {key}: a job it depends on failed", err=True)
    for key, reason in sorted(result.undownloaded.items()):
        click.echo(f"  not downloaded {key}: {reason}; run apply again to fetch it", err=True)
    for key in result.waiting:
        click.echo(
            f"  waiting {key}: its refresh create's reply was lost and it may exist already; re-creating pays "
            "again: pass --retry-unknown to do so",
            err=True,
        )
    _consent_lines(result)
    if any(_retryable(result, key, ctx.spec.apply.max_retries) for key in failed):
        click.echo("Run apply again to retry the failed jobs (within apply.max_retries).", err=True)


def stopped(ctx: Context, stop: EngineStopped) -> int:
    """A run that stopped before the end: say why, what is kept, and how to go on."""
    cause, result, lock_path = stop.cause, stop.result, ctx.workspace.lockfile
    if isinstance(cause, RunStopped):  # credentials, or the providers' own transient budget: its one message
        click.echo(f"Apply stopped: every request sent is recorded in {lock_path}.", err=True)
        raise cause
    click.echo(
        f"Apply stopped: {len(result.succeeded)} succeeded, {len(result.failed)} failed, "
        f"{len(result.unfinished)} unfinished; every request sent is recorded in {lock_path}.",
        err=True,
    )
    code = 130
    click.echo(f"Interrupted. Resume with: {ctx.again}", err=True)
    if ctx.request.fmt == "json":  # a stopped run has no "finished" line, but JSON gets its summary
        click.echo(json.dumps(json_summary(result, lock_path), indent=2, sort_keys=True))
    return code


def _consent_lines(result: ApplyResult) -> None:
    """What waits on a digital twin's consent, the URL for its subject, and how to go on."""
    if not result.consent:
        return
    twins = [k for k in result.consent if k in result.consent_urls or _is_twin(result, k)]
    for key in twins:
        record = result.lockfile.jobs.get(key)
        where = record.addresses[0] if record and record.addresses else key
        ask = consent_ask(result.consent_urls.get(key), sys.stderr)
        click.echo(f"  waiting {where} ({key}): digital twin; {ask}", err=True)
    others = [k for k in result.consent if k not in twins]
    if others:
        click.echo(f"  waiting: {plural(len(others), 'video')} of these twins, made once they are ready", err=True)
    click.echo(
        "Apply did all it could; the rest waits on consent. Run apply again once the subject has approved "
        "(or pass --wait-consent 30m to wait).",
        err=True,
    )


def _is_twin(result: ApplyResult, key: str) -> bool:
    record = result.lockfile.jobs.get(key)
    spec = known_kind(record.kind) if record is not None else None
    return spec is not None and spec.twin


def _retryable(result: ApplyResult, key: str, max_retries: int) -> bool:
    """A later apply would create it again: its error is retryable and its retries are not spent."""
    record = result.lockfile.jobs.get(key)
    if record is None or record.error is None:
        return False
    return not failed_for_good(record.state, record.attempts, record.error.code, max_retries, record.provider)


def json_summary(result: ApplyResult | None, lock_path: Path) -> dict[str, object]:
    """The `--format json` summary: counts, job keys, failed jobs with the provider's reason, totals."""
    succeeded, failed, skipped = (
        (list(result.succeeded), list(result.failed), list(result.skipped)) if result else ([], [], [])
    )
    reasons = {}
    for key in failed:
        record = result.lockfile.jobs.get(key) if result else None
        reasons[key] = {
            "addresses": list(record.addresses) if record else [],
            "error": f"{record.error.code}: {record.error.message}" if record and record.error else "failed",
        }
    return {
        "format_version": "1.0",
        "lockfile": str(lock_path),
        "counts": {"succeeded": len(succeeded), "failed": len(failed), "skipped": len(skipped)},
        "waiting": list(result.waiting) if result else [],  # pending refreshes: re-created only with --retry-unknown
        "unfinished": list(result.unfinished) if result else [],
        "undownloaded": dict(result.undownloaded) if result else {},
        "succeeded": succeeded,
        "failed": failed,
        "failed_jobs": reasons,
        "skipped": skipped,
        "videos_created": result.videos_created if result else 0,
        "videos_paid": result.videos_paid if result else 0,
        "renamed": list(result.renamed) if result else [],
        "forgotten": list(result.forgotten) if result else [],
        "consent": list(result.consent) if result else [],
        "requests": result.requests if result else 0,
    }
