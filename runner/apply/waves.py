"""Rollout: apply a plan wave by wave, and stop before paying for more when the breaker opens (fail closed)."""

from __future__ import annotations

from dataclasses import replace

import click

from runner.apply import steps
from runner.apply.context import Context
from runner.apply.execution import run_engine
from runner.apply.steps import Proposal
from runner.apply.summary import CONSENT_EXIT, exit_code, finished, report
from runner.campaignfile.model import Rollout
from runner.execute.engine import ApplyResult, EngineStopped
from runner.lock.records import Lockfile
from runner.plan.rollout import failed_share, group_jobs, next_wave, recorded_failures
from runner.providers.factory import ProviderFactory
from runner.state.store import StateStore
from runner.wording import plural


def roll_out(ctx: Context, store: StateStore, proposal: Proposal, lock: Lockfile, factory: ProviderFactory) -> int:
    """Make the plan wave by wave; return the exit code (1 when the breaker opens, 4 after a paused wave)."""
    rollout = ctx.spec.rollout
    assert rollout is not None
    held = proposal.plan.held
    groups = group_jobs(ctx.spec, proposal.planned.graph)
    bad, share = recorded_failures(groups, proposal.state)
    if bad and share > rollout.max_failure_rate:
        return _breaker(ctx, rollout, bad, share, "renders recorded so far", proposal.state, None)
    results: list[ApplyResult] = []
    ran: set[str] = set()
    plan, state = proposal.plan, lock
    reported = 0
    while True:
        wave = next_wave(rollout, groups, state, plan, ran)
        if not wave.paid_keys and results:
            break  # what the next wave would make awaits approval
        click.echo(
            f"Rollout wave {wave.number} of {wave.waves}: {plural(len(wave.paid_keys), 'paid job')}; "
            f"{wave.later} left for later waves.",
            err=True,
        )
        outcome = run_engine(ctx, store, wave.plan, state, factory, reported=reported)
        reported = factory.request_count()  # the engine's clients are the factory's: counted in this wave's result
        if isinstance(outcome, EngineStopped):
            return report(ctx, outcome, held)
        results.append(outcome)
        ran.update(c.key for c in wave.plan.changes)
        unknown = {*outcome.failed, *outcome.waiting, *outcome.unfinished}  # an unknown outcome counts as failed
        bad, share = failed_share(wave.paid_keys, unknown)
        if bad and share > rollout.max_failure_rate:
            merged = _merged(results)
            return _breaker(ctx, rollout, bad, share, f"renders of wave {wave.number}", merged.lockfile, merged)
        if not wave.later or not wave.paid_keys:
            break
        if rollout.pause:
            finished(ctx, _merged(results), 0, held)
            click.echo(
                f"Rollout paused after wave {wave.number} of {wave.waves} (rollout.pause): review its videos, then run "
                f"`{ctx.again}` to make the next wave.",
                err=True,
            )
            return CONSENT_EXIT
        state = store.read()
        plan = steps.propose(ctx, state).plan
    return finished(ctx, _merged(results), max(exit_code(r) for r in results), held)


def _breaker(
    ctx: Context,
    rollout: Rollout,
    bad: list[str],
    share: float,
    among: str,
    state: Lockfile,
    result: ApplyResult | None,
) -> int:
    """Say that the breaker is open, with the failures, and return 1: nothing more is paid for."""
    if result is not None:
        finished(ctx, result, 1)
    click.echo(
        f"Rollout stopped: breaker open. {len(bad)} of the {among} failed or have no known outcome "
        f"({share:.0%}, more than rollout.max_failure_rate {rollout.max_failure_rate:.0%}); "
        "no further wave is paid for.",
        err=True,
    )
    for key in bad:
        found = state.jobs.get(key)
        why = f"{found.error.code}: {found.error.message}" if found is not None and found.error else "no known outcome"
        click.echo(f"  failed {key}: {why}", err=True)
    click.echo(
        "Fix the cause (a changed script starts its cells over), exclude the failing cells, or raise "
        "rollout.max_failure_rate; then apply again.",
        err=True,
    )
    return 1


def _merged(results: list[ApplyResult]) -> ApplyResult:
    """One result for the whole rollout: every wave's jobs, videos and requests; the last state."""

    def union(name: str) -> tuple[str, ...]:
        return tuple(sorted({key for r in results for key in getattr(r, name)}))

    return replace(
        results[-1],
        succeeded=union("succeeded"),
        failed=union("failed"),
        skipped=union("skipped"),
        waiting=union("waiting"),
        unfinished=union("unfinished"),
        consent=union("consent"),
        consent_urls={k: v for r in results for k, v in r.consent_urls.items()},
        videos_created=sum(r.videos_created for r in results),
        requests=sum(r.requests for r in results),
    )
