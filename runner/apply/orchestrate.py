"""The apply sequence as one pass: load, lock, check world and saved plan, resolve names, plan, confirm, execute."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from runner.apply.notices import acknowledge, notices_for
from runner.apply.progress import LogReporter
from runner.apply.resolve import resolve_names
from runner.campaignfile.load import load_spec
from runner.campaignfile.model import Spec
from runner.environment import provider_environment
from runner.errors import CampaignError, PlanMismatch
from runner.execute import adoption
from runner.execute.engine import (
    ApplyResult,
    Engine,
    EngineStopped,
    ExecuteOptions,
    Providers,
    execute,
    needs_downloads,
)
from runner.lock import lockfile
from runner.lock import world as worlds
from runner.lock.statelock import StateLock
from runner.lock.world import check_world, world_from_env
from runner.paths import lock_path_for, state_dir_for
from runner.plan.budget import check_budget
from runner.plan.expand import unresolved_avatars
from runner.plan.make import plan_for
from runner.plan.model import Action, Plan, Resume
from runner.plan.planfile import check_saved_plan, read_plan_file, saved_plan_matches
from runner.plan.render import render_text
from runner.plan.review import Review, check_inflight, review_of_saved, reviewed
from runner.providers.errors import RunStopped
from runner.providers.factory import ProviderFactory, factory_from_env
from runner.state.backend import lease_seconds, state_backend_from_env
from runner.vocabulary.errors import retryable
from runner.wording import plural

DEFAULT_HEYGEN_MAX_IN_FLIGHT = 3  # HeyGen's plan tiers allow 1 / 3 / 6 / 10 concurrent renders

if TYPE_CHECKING:
    from runner.state.backend import StateBackend


@dataclass(frozen=True)
class ApplyRequest:
    """What the user asked for on the command line."""

    spec_path: Path
    lock_path: Path | None = None
    plan_path: Path | None = None
    yes: bool = False
    accept_notices: bool = False
    sandbox: bool = False
    parallelism: int = 8
    fmt: str = "text"
    review: Review = Review()
    allow_forget_inflight: bool = False
    retry_unknown: bool = False
    wait_consent_seconds: float = 0.0
    lock_timeout_seconds: float = 0.0


def sandbox_state_file(spec: Spec) -> Path:
    """Where `--sandbox` runs keep the emulator's account, so a second run sees the same videos."""
    from runner.sandbox.server import state_file_for

    return state_file_for(spec.path.parent, spec.campaign)


def artifacts_dir(spec: Spec) -> Path | None:
    """Where videos are downloaded: `apply.artifacts_dir` or artifacts/<campaign> beside the spec."""
    if not spec.apply.download:
        return None
    return spec.path.parent / (spec.apply.artifacts_dir or f"artifacts/{spec.campaign}")


def notices_needed(plan: Plan, downloads: bool, missing: list[str], lock: lockfile.Lockfile | None = None) -> list[str]:
    """Which TikTok notices this run needs: upload (assets sent for AI generation), download (TikTok-made videos)."""
    creating = [c.job.kind for c in plan.changes if c.action in (Action.CREATE, Action.REPLACE) and c.job is not None]
    downloading: list[str] = []
    if downloads:
        records = lock.jobs if lock is not None else {}
        downloading = [*creating, *(records[key].kind if key in records else "avatar_video" for key in missing)]
    return [str(notice) for notice in notices_for(creating, downloading)]


def spec_providers(spec: Spec) -> set[str]:
    """The providers a campaign talks to: its video groups', its avatars', TikTok for refreshes."""
    used = {group.provider for group in spec.videos}
    used |= {spec.avatars[alias].provider for group in spec.videos for alias in group.avatars if alias in spec.avatars}
    return used | ({"tiktok"} if spec.refresh else set())


CONSENT_EXIT = 4  # apply did all it could; the rest waits on a person


def run_apply(request: ApplyRequest) -> int:
    """Apply a campaign in one pass; return the exit code (0 all succeeded, 1 some job failed).

    Load, lock, check the world, resolve avatar names in memory, plan once, show it, confirm,
    acknowledge notices, record resolutions and world, execute. Until the confirmation nothing is written.
    """
    spec = load_spec(request.spec_path)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not (request.yes or request.plan_path or interactive):
        raise CampaignError("apply needs a confirmation: pass --yes, or apply a reviewed plan with --plan PLAN")
    lock_path = request.lock_path or lock_path_for(request.spec_path, sandbox=request.sandbox)
    backend = state_backend_from_env()  # unreachable: exit 1 before anything is done
    with contextlib.ExitStack() as held:
        if backend is not None:
            held.callback(backend.close)
        return _apply_locked(request, spec, lock_path, interactive, backend, held)


def _apply_locked(
    request: ApplyRequest,
    spec: Spec,
    lock_path: Path,
    interactive: bool,
    backend: StateBackend | None,
    held: contextlib.ExitStack,
) -> int:
    with StateLock(lock_path, operation="apply"):
        lock = lockfile.read(lock_path, spec.campaign)
        saved = read_plan_file(request.plan_path) if request.plan_path else None
        if saved is not None:
            check_saved_plan(saved, request.plan_path or Path(), spec, lock_path)
        review = request.review
        if saved is not None:
            if review != Review():
                raise CampaignError(
                    "--target, --exclude, --replace, --sample and --max-videos come from the saved plan; "
                    "drop them, or make a new plan with them"
                )
            review = review_of_saved(saved.data)
        # Guardrails before any request, the catalog look-up included; unresolved names plan as creates.
        early = reviewed(plan_for(spec, lock, lock_path), review)
        check_budget(early.budget)
        check_inflight(early, request.allow_forget_inflight)
        downloads_to = artifacts_dir(spec)
        accepted = request.accept_notices or spec.apply.accept_notices
        if not (accepted or interactive):
            missing = needs_downloads(lock, lock_path.parent) if downloads_to is not None else []
            acknowledge(
                notices_needed(early, downloads_to is not None, missing, lock), accepted=False, interactive=False
            )
        with (
            provider_environment(request.sandbox, sandbox_state_file(spec)) as env,
            factory_from_env(
                env,
                attempts=spec.apply.transient_attempts,
                seconds=spec.apply.transient_seconds,
                state_dir=state_dir_for(spec.path),
            ) as factory,
        ):
            providers_used = spec_providers(spec) | {r.provider for r in lock.jobs.values()}
            world = check_world(lock.world, world_from_env(env, providers_used, sandbox=request.sandbox), lock_path)
            if lock.world is None and lock.jobs:
                click.echo(
                    f"warning: {lock_path} was written by an older campaign and does not say which world its ids "
                    f"live in; this apply records {world.describe()}. If it came from `apply --sandbox`, stop and "
                    f"move it aside: its ids mean nothing elsewhere",
                    err=True,
                )
            mirror = None
            if backend is not None:  # the shared state, under a lease, replaces the checkout's lockfile
                where = "sandbox" if request.sandbox else json.dumps(worlds.to_data(world), sort_keys=True)
                lease = backend.acquire(
                    spec.campaign, where, "apply", lease_seconds(spec.apply.lock_lease), request.lock_timeout_seconds
                )
                held.callback(backend.release, lease)
                stored = backend.read(spec.campaign, where)
                if stored is None:
                    backend.write(lock, where)  # first use: the checkout's lockfile seeds the backend
                else:
                    lock = stored
                mirror = backend.mirror(where)
            clock = factory.clock
            resolved = lock
            if unresolved_avatars(spec, lock.resolved_avatars):
                resolved = resolve_names(spec, lock, factory)  # in memory: recorded only once confirmed
            planned = plan_for(spec, resolved, lock_path)
            plan = reviewed(planned, review)
            check_budget(plan.budget)
            check_inflight(plan, request.allow_forget_inflight)
            if saved is not None and not saved_plan_matches(saved, plan):
                raise PlanMismatch(
                    f"the plan {request.plan_path} no longer matches what apply would do; run `campaign plan --out` again"
                )
            resolved, adopted = _adopt_made(plan, resolved, factory)
            if adopted:
                planned = plan_for(spec, resolved, lock_path)
                plan = reviewed(planned, review)
            missing = needs_downloads(resolved, lock_path.parent) if downloads_to is not None else []
            to_stderr = request.fmt == "json"  # stdout carries only the JSON summary
            if not plan.has_changes and not missing:
                if backend is not None or adopted or resolved.resolved_avatars != lock.resolved_avatars:
                    # nothing paid: keep what was found; with a backend, the checkout shows its state
                    lockfile.write(lock_path, resolved.with_world(world))
                settled = plan.settled_failures
                click.echo(f"No changes. {_jobs(len(planned.graph.jobs) - len(settled))} up to date.", err=to_stderr)
                for change in settled:  # CI must not take an incomplete campaign for done
                    click.echo(
                        f"  {'blocked' if change.action is Action.BLOCKED else 'failed'} {change.key}: {change.reason}",
                        err=True,
                    )
                if settled:
                    click.echo(
                        f"{_jobs(len(settled))} cannot be made as the spec stands; change the spec (see above).",
                        err=True,
                    )
                return _summary(request, None, lock_path, 1 if settled else 0)
            click.echo(render_text(plan, color=not to_stderr and sys.stdout.isatty()), nl=False, err=to_stderr)
            if not (request.yes or saved is not None) and not click.confirm("Apply these changes?", default=False):
                raise CampaignError("apply cancelled; nothing was done")
            acknowledge(
                notices_needed(plan, downloads_to is not None, missing, resolved),
                accepted=accepted,
                interactive=interactive,
            )
            lock = lockfile.write(lock_path, resolved.with_world(world))
            retry_unknown = request.retry_unknown or _agree_to_pay_again(plan, interactive)
            providers = _providers(plan, factory, lock)
            reporter = LogReporter()
            engines: list[Engine] = []
            options = ExecuteOptions(
                parallelism=request.parallelism,
                artifacts_dir=downloads_to,
                retry_unknown=retry_unknown,
                heygen_max_in_flight=_heygen_max_in_flight(spec),
                transient_attempts=factory.budget.limits.attempts,
                transient_seconds=factory.budget.limits.seconds,
                wait_consent_seconds=request.wait_consent_seconds,
            )
            try:
                with interrupts(engines):
                    result = execute(
                        plan,
                        lock,
                        lock_path,
                        providers,
                        options,
                        clock=clock,
                        reporter=reporter,
                        engine_out=engines,
                        mirror=mirror,
                    )
            except EngineStopped as stopped:
                reporter.finish()
                return _stopped(request, stopped, lock_path)
            finally:
                reporter.finish()
    return _summary(request, result, lock_path, exit_code(result))


def _adopt_made(plan: Plan, lock: lockfile.Lockfile, factory: ProviderFactory) -> tuple[lockfile.Lockfile, int]:
    """Adopt, in memory, avatar videos the account has but the lockfile does not know (an older checkout's lockfile).

    One listing per apply, and only when avatar videos are about to be paid for.
    """
    jobs = adoption.adoptable(plan)
    if not jobs:
        return lock, 0
    videos = factory.tiktok().list_avatar_videos()
    lock, adopted = adoption.adopt(jobs, videos, lock, factory.clock.time())
    for found in adopted:
        click.echo(
            f"adopted {found.job.addresses[0]}: video {found.video.video_id} carries its tag; the lockfile did not "
            "know it (a checkout older than the last apply). Not paid again",
            err=True,
        )
    return lock, len(adopted)


def exit_code(result: ApplyResult) -> int:
    """0 all succeeded; 1 any failed, is blocked or waits for a decision; 4 the rest waits on a twin's consent."""
    if result.failed or result.skipped or result.waiting or result.unfinished:
        return 1
    return CONSENT_EXIT if result.consent else 0


def _agree_to_pay_again(plan: Plan, interactive: bool) -> bool:
    """On a terminal, ask before re-creating pending refreshes (they may exist already: paying twice)."""
    unknown = [c for c in plan.changes if c.resume == Resume.UNKNOWN and c.job is not None]
    if not unknown or not interactive:
        return False
    videos = sum(c.job.expected_videos for c in unknown if c.job is not None)
    return click.confirm(
        f"{len(unknown)} refresh jobs were sent but their replies were lost; they may exist already. "
        f"Create them again ({videos} videos paid again)?",
        default=False,
    )


def _heygen_max_in_flight(spec: Spec) -> int:
    """The HeyGen plan tier's concurrent-render cap (`apply.max_in_flight.heygen`)."""
    return int(spec.apply.max_in_flight.get("heygen", DEFAULT_HEYGEN_MAX_IN_FLIGHT))


@contextlib.contextmanager
def interrupts(engines: list[Engine]) -> Iterator[None]:
    """First SIGINT/SIGTERM: stop new requests and record replies; a second one exits at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    count = 0

    def handle(signum: int, frame: object) -> None:
        nonlocal count
        count += 1
        if count == 1:
            click.echo(
                "\nInterrupt received: no new requests; recording the replies of those already sent "
                "(a few seconds; interrupt again to exit at once).",
                err=True,
            )
            for engine in engines:
                engine.stop()
            return
        click.echo(
            "Two interrupts received. Exiting immediately; every request sent was written ahead to the "
            "journal, so the next apply resumes without paying twice.",
            err=True,
        )
        os._exit(130)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _again(request: ApplyRequest) -> str:
    """The command that resumes this apply."""
    return f"campaign apply {request.spec_path}" + (" --sandbox" if request.sandbox else "")


def _stopped_summary(request: ApplyRequest, result: ApplyResult, lock_path: Path) -> None:
    """A stopped run has no "finished" line; `--format json` still gets its summary on stdout."""
    if request.fmt == "json":
        click.echo(json.dumps(json_summary(result, lock_path), indent=2, sort_keys=True))


def _stopped(request: ApplyRequest, stopped: EngineStopped, lock_path: Path) -> int:
    """A run that stopped before the end: say why, what is kept, and how to go on."""
    cause = stopped.cause
    result = stopped.result
    if isinstance(cause, RunStopped):  # credentials, or the providers' own transient budget: its one message
        click.echo(f"Apply stopped: every request sent is recorded in {lock_path}.", err=True)
        raise cause
    click.echo(
        f"Apply stopped: {len(result.succeeded)} succeeded, {len(result.failed)} failed, "
        f"{len(result.unfinished)} unfinished; every request sent is recorded in {lock_path}.",
        err=True,
    )
    click.echo(f"Interrupted. Resume with: {_again(request)}", err=True)
    _stopped_summary(request, result, lock_path)
    return 130


def _jobs(count: int) -> str:
    return f"{count} job" + ("" if count == 1 else "s")


def _providers(plan: Plan, factory: ProviderFactory, lock: lockfile.Lockfile) -> Providers:
    kinds = {c.job.kind for c in plan.changes if c.job is not None} | {r.kind for r in lock.jobs.values()}
    return Providers.for_kinds(kinds, factory.catalog, budget=factory.budget)


def _summary(request: ApplyRequest, result: ApplyResult | None, lock_path: Path, code: int) -> int:
    if result is not None:
        failed = result.failed
        line = (
            f"Apply finished: {len(result.succeeded)} succeeded, {len(failed)} failed, {len(result.skipped)} skipped; "
            f"{plural(result.videos_created, 'video')} generated, {plural(result.requests, 'request')}. Lockfile: {lock_path}"
        )
        click.echo(line, err=request.fmt == "json")
        for key in failed:
            record = result.lockfile.jobs.get(key)
            reason = f"{record.error.code}: {record.error.message}" if record and record.error else "failed"
            click.echo(f"  failed {key} ({', '.join(record.addresses) if record else ''}): {reason}", err=True)
        for key in result.skipped:
            click.echo(f"  blocked {key}: a job it depends on failed", err=True)
        for key in result.waiting:
            click.echo(
                f"  waiting {key}: its refresh create's reply was lost and it may exist already; re-creating pays "
                "again: pass --retry-unknown to do so",
                err=True,
            )
        _consent_lines(result)
        if any(_retryable(result, key) for key in failed):
            click.echo("Run apply again to retry the failed jobs (within apply.max_retries).", err=True)
    if request.fmt == "json":
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
        url = result.consent_urls.get(key)
        ask = f"its subject must approve at {url}" if url else "its subject has not approved yet"
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
    return key.startswith("ha-") or (record is not None and record.kind == "heygen_avatar")


def _retryable(result: ApplyResult, key: str) -> bool:
    record = result.lockfile.jobs.get(key)
    return record is not None and record.error is not None and retryable(record.error.code)


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
        "succeeded": succeeded,
        "failed": failed,
        "failed_jobs": reasons,
        "skipped": skipped,
        "videos_created": result.videos_created if result else 0,
        "requests": result.requests if result else 0,
    }
