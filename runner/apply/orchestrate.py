"""Apply as named steps: load, lock, check the world, plan, resolve names, adopt, confirm, record, execute, report."""

from __future__ import annotations

from runner.apply import steps
from runner.apply.context import ApplyRequest, load
from runner.apply.execution import provider_factory, run_engine
from runner.apply.summary import finished, report
from runner.apply.waves import roll_out
from runner.state.store import state_store

__all__ = ["ApplyRequest", "run_apply"]


def run_apply(request: ApplyRequest) -> int:
    """Apply a campaign; return the exit code (0 all succeeded, 1 some job failed, 4 waits on consent, 130).

    Until the confirmation nothing is written. It plans once, and again only when resolving avatar
    names or adopting videos changed the state; the guardrails run before any request.
    """
    ctx = load(request)
    with state_store(ctx.workspace, ctx.spec) as store, store.hold("apply", timeout=request.lock_timeout_seconds):
        state = steps.read_state(ctx, store)
        world = steps.check_world(ctx, state)
        proposal = steps.propose(ctx, state)
        steps.guard(ctx, proposal)
        with provider_factory(ctx) as factory:
            proposal = steps.adopt(ctx, steps.resolve(ctx, proposal, factory), factory)
            if not steps.has_work(ctx, proposal):
                done = steps.settle(ctx, store, proposal, world)
                return finished(ctx, None, 0 if done else 1, proposal.plan.held)
            steps.confirm(ctx, proposal)
            lock = steps.record(store, proposal, world)
            if ctx.spec.rollout is not None:
                return roll_out(ctx, store, proposal, lock, factory)
            outcome = run_engine(ctx, store, proposal.plan, lock, factory)
    return report(ctx, outcome, proposal.plan.held)
