"""The execute step: the provider environment, the engine's clients and options, and the run under Ctrl-C handling."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace

import click

from runner.apply.context import Context
from runner.apply.events import tell_consent
from runner.apply.progress import LogReporter
from runner.apply.signals import interrupts
from runner.environment import provider_environment
from runner.execute.engine import ApplyResult, Engine, EngineStopped, ExecuteOptions, Providers, execute
from runner.lock.owners import recorded_elsewhere
from runner.lock.records import Lockfile
from runner.plan.model import Plan, Resume
from runner.providers.factory import ProviderFactory, factory_from_env
from runner.state.store import StateStore


@contextlib.contextmanager
def provider_factory(ctx: Context) -> Iterator[ProviderFactory]:
    """The clients' factory for this run: the environment's providers, or a bundled sandbox with `--sandbox`."""
    spec, workspace = ctx.spec, ctx.workspace
    with (
        provider_environment(ctx.request.sandbox, workspace.sandbox_state_file(spec.campaign)) as env,
        factory_from_env(
            env,
            attempts=spec.apply.transient_attempts,
            seconds=spec.apply.transient_seconds,
            state_dir=workspace.state_dir,
        ) as factory,
    ):
        yield factory


def run_engine(
    ctx: Context, store: StateStore, plan: Plan, lock: Lockfile, factory: ProviderFactory, *, reported: int = 0
) -> ApplyResult | EngineStopped:
    """Execute the recorded plan, with live progress; a run that stops early returns why.

    Its request count takes in what the factory's clients sent since `reported` (their count when an earlier
    wave's result was made): name look-ups and the stale-lockfile scan, counted once.
    """
    options = ExecuteOptions(
        parallelism=ctx.request.parallelism,
        artifacts_dir=ctx.downloads_to,
        retry_unknown=ctx.request.retry_unknown or _agree_to_pay_again(plan, ctx),
        unknown_allowance=ctx.spec.apply.retry_unknown,
        max_retries=ctx.spec.apply.max_retries,
        max_in_flight={name: int(cap) for name, cap in ctx.spec.apply.max_in_flight.items()},
        transient_attempts=factory.budget.limits.attempts,
        transient_seconds=factory.budget.limits.seconds,
        wait_consent_seconds=ctx.request.wait_consent_seconds,
        foreign_videos=recorded_elsewhere(ctx.workspace, lock),
    )
    providers = _providers(plan, factory, lock)
    reporter = LogReporter()
    engines: list[Engine] = []
    before = factory.request_count() - reported  # name look-ups and the stale-lockfile scan, sent before the engine's
    try:
        with interrupts(engines):
            result = execute(
                plan,
                lock,
                ctx.workspace.lockfile,
                providers,
                options,
                clock=factory.clock,
                reporter=reporter,
                engine_out=engines,
                mirror=store.mirror(),
                consent_notifier=tell_consent,
            )
            return replace(result, requests=result.requests + before)
    except EngineStopped as stopped:
        stopped.result = replace(stopped.result, requests=stopped.result.requests + before)
        return stopped
    finally:
        reporter.finish()


def _agree_to_pay_again(plan: Plan, ctx: Context) -> bool:
    """On a terminal, ask before re-creating pending refreshes (they may exist already: paying twice).

    Not asked when the spec's `apply.retry_unknown` already covers every one of them.
    """
    unknown = [c for c in plan.changes if c.resume == Resume.UNKNOWN and c.job is not None]
    if not unknown or not ctx.interactive or len(unknown) <= ctx.spec.apply.retry_unknown:
        return False
    videos = sum(c.job.expected_videos for c in unknown if c.job is not None)
    return click.confirm(
        f"{len(unknown)} refresh jobs were sent but their replies were lost; they may exist already. "
        f"Create them again ({videos} videos paid again)?",
        default=False,
    )


def _providers(plan: Plan, factory: ProviderFactory, lock: Lockfile) -> Providers:
    """The clients the plan's and the lockfile's jobs need."""
    kinds = {c.job.kind for c in plan.changes if c.job is not None} | {r.kind for r in lock.jobs.values()}
    return Providers.for_kinds(kinds, factory.client, budget=factory.budget)
