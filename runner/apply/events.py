"""What an apply (and a drift check) tells the outside: notify URLs' events and the metrics file; never a secret."""

from __future__ import annotations

import os
from typing import Protocol

import click

from runner.apply.context import Context
from runner.apply.summary import CONSENT_EXIT
from runner.campaignfile.model import Spec
from runner.execute.consent_notice import ConsentNotice
from runner.execute.ports import ApplyResult
from runner.lock.records import Lockfile
from runner.observe.metrics import RunMetrics, metrics_path, write_metrics
from runner.observe.notify import Event, deliver, notify_urls, send
from runner.vocabulary.states import JobState
from runner.workspace import Workspace

GALLERY_VARIABLE = "CAMPAIGN_GALLERY_URL"


class _Drift(Protocol):
    @property
    def findings(self) -> tuple[object, ...]: ...
    @property
    def checked(self) -> int: ...
    @property
    def world(self) -> str | None: ...


def _money(spec: Spec, videos: int) -> str | None:
    prices = spec.budget.prices
    if prices is None or prices.per_video is None:
        return None
    return f"{prices.per_video * videos:.2f} {prices.currency} for {videos} new videos"


def _world(lock: Lockfile | None) -> str | None:
    return lock.world.describe() if lock is not None and lock.world is not None else None


def apply_event(spec: Spec, result: ApplyResult | None, code: int) -> Event:
    """apply.finished (exit 0), apply.waiting (exit 4: consent, approval, a paused wave) or apply.failed."""
    name = "apply.finished" if code == 0 else "apply.waiting" if code == CONSENT_EXIT else "apply.failed"
    counts = {"exit_code": code}
    if result is not None:
        counts |= {
            "succeeded": len(result.succeeded),
            "failed": len(result.failed),
            "skipped": len(result.skipped),
            "waiting": len(result.consent) + len(result.waiting),
            "videos_created": result.videos_created,
        }
    created = result.videos_created if result is not None else 0
    summary = f"apply of {spec.campaign} ended with exit code {code}"
    return Event(
        name,
        spec.campaign,
        summary,
        counts,
        _money(spec, created),
        _world(result.lockfile if result else None),
        os.environ.get(GALLERY_VARIABLE) or None,
    )


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        click.echo(warning, err=True)


def announce_apply(ctx: Context, result: ApplyResult | None, code: int) -> None:
    """Send the apply's outcome; a failed notification is a warning on stderr."""
    _warn(send(apply_event(ctx.spec, result, code), notify_urls(ctx.spec.notify)))


def announce_error(ctx: Context, error: BaseException) -> None:
    """apply.failed for a run that ended in an error (its class only: the message may quote the file)."""
    event = Event("apply.failed", ctx.spec.campaign, f"apply stopped: {type(error).__name__}", {"exit_code": 1})
    _warn(send(event, notify_urls(ctx.spec.notify)))


def announce_budget(ctx: Context, warnings: list[str]) -> None:
    """budget.warning when the plan passes a limit's `warn_at` (it is still within the limit)."""
    if warnings:
        event = Event("budget.warning", ctx.spec.campaign, "; ".join(warnings), {"warnings": len(warnings)})
        _warn(send(event, notify_urls(ctx.spec.notify)))


def consent_targets(spec: Spec) -> tuple[str, ...]:
    """Every apprise URL named for a twin's consent (`avatars.X.twin.consent.notify`), once each."""
    return tuple(dict.fromkeys(u for ref in spec.avatars.values() if ref.twin for u in ref.twin.consent_notify))


def tell_consent(notice: ConsentNotice, targets: tuple[str, ...]) -> tuple[str, ...]:
    """twin.consent, with the consent URL, to the people named for consent only; the targets it reached."""
    summary = f"{notice.address}: the digital twin {notice.twin_name!r} waits for its subject's consent"
    event = Event("twin.consent", notice.campaign, summary, twin=notice.twin_name, consent_url=notice.url)
    reached, warnings = deliver(event, targets)
    _warn(warnings)
    return reached


def drift_found(spec: Spec, report: _Drift, workspace: Workspace) -> None:
    """drift.found with the number of findings."""
    counts = {"findings": len(report.findings), "checked": report.checked}
    summary = f"{spec.campaign} drifted: run `campaign drift {workspace.spec_path}` for the findings"
    event = Event("drift.found", spec.campaign, summary, counts, None, report.world, os.environ.get(GALLERY_VARIABLE))
    _warn(send(event, notify_urls(spec.notify)))


def record_metrics(ctx: Context, result: ApplyResult | None, code: int, lock: Lockfile | None) -> None:
    """Write CAMPAIGN_METRICS_FILE when it is set: jobs by state, videos created, in flight, 429s, spend."""
    path = metrics_path()
    if path is None:
        return
    jobs = lock.jobs.values() if lock is not None else ()
    by_state = {str(state): sum(r.state == state for r in jobs) for state in JobState}
    created = result.videos_created if result is not None else 0
    prices = ctx.spec.budget.prices
    spend = prices.per_video * created if prices is not None and prices.per_video is not None else None
    run = RunMetrics(
        campaign=ctx.spec.campaign,
        jobs_by_state=by_state,
        videos_created=created,
        in_flight=by_state.get(str(JobState.SUBMITTED), 0),
        spend=spend,
        succeeded=code == 0,
        currency=prices.currency if prices is not None else "USD",
    )
    write_metrics(path, run)
