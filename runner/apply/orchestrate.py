"""Apply as named steps: load, lock, check the world, plan, resolve names, adopt, confirm, record, execute, report."""

from __future__ import annotations

from runner.apply import steps
from runner.apply.context import ApplyRequest, Context, load
from runner.apply.events import announce_apply, announce_budget, announce_error, consent_targets, record_metrics
from runner.apply.execution import provider_factory, run_engine
from runner.apply.provenance import check_signing, sign_downloads
from runner.apply.summary import finished, report
from runner.apply.waves import roll_out
from runner.execute.engine import ApplyResult, EngineStopped
from runner.observe.metrics import metrics_path, require_prometheus
from runner.observe.notify import notify_urls, require_apprise
from runner.observe.tracing import run_span, step_span
from runner.plan.budget import budget_warnings
from runner.state.store import state_store

__all__ = ["ApplyRequest", "run_apply"]


def run_apply(request: ApplyRequest) -> int:
    """Apply a campaign; return the exit code (0 all succeeded, 1 some job failed, 4 waits on consent, 130).

    Until the confirmation nothing is written. It plans once, and again only when resolving avatar
    names or adopting videos changed the state; the guardrails run before any request. The outcome is
    sent to the notify URLs, traced and written as metrics when those are configured.
    """
    ctx = load(request)
    require_apprise(notify_urls(ctx.spec.notify) + consent_targets(ctx.spec))
    require_prometheus(metrics_path())
    with run_span("apply", ctx.spec.campaign):
        try:
            code, result = _apply(ctx)
        except Exception as error:
            announce_error(ctx, error)
            raise
    announce_apply(ctx, result, code)
    record_metrics(ctx, result, code, result.lockfile if result is not None else None)
    return code


def _apply(ctx: Context) -> tuple[int, ApplyResult | None]:
    """The steps, under the state lock; the exit code and what the engine did (None: nothing to do)."""
    request = ctx.request
    with state_store(ctx.workspace, ctx.spec) as store, store.hold("apply", timeout=request.lock_timeout_seconds):
        state = steps.read_state(ctx, store)
        world = steps.check_world(ctx, state)
        with step_span("plan"):
            proposal = steps.propose(ctx, state)
            steps.guard(ctx, proposal)
        steps.announce_rekeyed(state, proposal)
        announce_budget(ctx, budget_warnings(proposal.plan.budget))
        check_signing(ctx)
        with provider_factory(ctx) as factory:
            proposal = steps.adopt(ctx, steps.resolve(ctx, proposal, factory), factory)
            if not steps.has_work(ctx, proposal):
                done = steps.settle(ctx, store, proposal, world)
                sign_downloads(ctx, store, proposal.planned)
                return finished(ctx, None, 0 if done else 1, proposal.plan.held), None
            steps.confirm(ctx, proposal)
            lock = steps.record(store, proposal, world)
            with step_span("execute"):
                if ctx.spec.rollout is not None:  # its waves report their own counts; the event carries the exit code
                    code = roll_out(ctx, store, proposal, lock, factory)
                    sign_downloads(ctx, store, proposal.planned)
                    return code, None
                outcome = run_engine(ctx, store, proposal.plan, lock, factory)
            sign_downloads(ctx, store, proposal.planned)
    return report(ctx, outcome, proposal.plan.held), outcome.result if isinstance(outcome, EngineStopped) else outcome
