"""The steps of apply between the lock and the engine: read, check the world, plan, resolve, adopt, confirm, record.

Each step is a short function over the frozen `Context`; a `Proposal` carries the state apply will
record and the plan made from it. Until `record` nothing is written.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from runner.apply.context import Context
from runner.apply.notices import acknowledge, notices_needed
from runner.apply.resolve import resolve_names
from runner.errors import CampaignError, PlanMismatch
from runner.execute import adoption
from runner.execute.artifacts import needs_downloads
from runner.lock import world as worlds
from runner.lock.owners import recorded_elsewhere
from runner.lock.records import Lockfile
from runner.lock.world import World
from runner.plan.budget import check_budget
from runner.plan.expand import unresolved_avatars
from runner.plan.make import Planned, plan_for
from runner.plan.model import Action, Plan
from runner.plan.planfile import check_saved_plan, revoked_since, saved_plan_matches
from runner.plan.render import render_text
from runner.plan.review import check_inflight, reviewed
from runner.policy.evaluate import enforce, policy_report
from runner.policy.output import show_findings
from runner.providers.factory import ProviderFactory
from runner.state.store import StateStore
from runner.wording import plural


@dataclass(frozen=True)
class Proposal:
    """The state apply will record (names resolved, videos adopted, in memory) and the plan made from it."""

    state: Lockfile
    planned: Planned
    plan: Plan  # the reviewed plan: selection and budget applied
    changed: bool = False  # the state differs from what was read


def read_state(ctx: Context, store: StateStore) -> Lockfile:
    """The state as the store holds it; a saved plan made from another spec or lockfile is refused here."""
    state = store.read()
    if ctx.saved is not None:
        check_saved_plan(ctx.saved, ctx.request.plan_path or Path(), ctx.spec, ctx.workspace.lockfile)
    return state


def check_world(ctx: Context, state: Lockfile) -> World:
    """The world to record; another world than the state's is refused before any request."""
    current = worlds.current_world(
        ctx.spec, (r.provider for r in state.jobs.values()), os.environ, sandbox=ctx.request.sandbox
    )
    world = worlds.check_world(state.world, current, ctx.workspace.lockfile)
    if state.world is None and state.jobs:
        click.echo(
            f"warning: {ctx.workspace.lockfile} was written by an older campaign and does not say which world its "
            f"ids live in; this apply records {world.describe()}. If it came from `apply --sandbox`, stop and "
            f"move it aside: its ids mean nothing elsewhere",
            err=True,
        )
    return world


def propose(ctx: Context, state: Lockfile, *, changed: bool = False) -> Proposal:
    """Plan the state (avatar names not resolved yet plan as creates, their ids known after apply)."""
    planned = plan_for(ctx.spec, state, ctx.workspace.lockfile)
    rekeyed = planned.lock is not state  # records an older release keyed differently: recorded under today's keys
    return Proposal(planned.lock, planned, reviewed(planned, ctx.review, hold=True), changed or rekeyed)


def announce_rekeyed(state: Lockfile, proposal: Proposal) -> None:
    """Say that records an older release keyed differently are written under today's keys (nothing is paid)."""
    moved = len(set(state.jobs) - set(proposal.state.jobs))
    if moved:
        click.echo(
            f"{plural(moved, 'record')} of the lockfile, keyed by an earlier version by its script with the blank "
            "lines a comment or block tag leaves around it, are the same jobs: recorded under today's keys, with "
            "their videos; nothing is made again",
            err=True,
        )


def missing_downloads(ctx: Context, state: Lockfile) -> list[str]:
    """Jobs whose videos should be on disk and are not."""
    return needs_downloads(state, ctx.workspace.lockfile.parent) if ctx.downloads_to is not None else []


def guard(ctx: Context, proposal: Proposal) -> None:
    """Guardrails before any request: policy, budget, in-flight forgets, the saved plan, a non-interactive run's notices."""
    policy = policy_report(proposal.planned.spec, proposal.planned.graph)
    enforce(policy)
    show_findings(policy, annotate_on_stdout=False)  # advisory ones: warnings
    check_budget(proposal.plan.budget)
    check_inflight(proposal.plan, ctx.request.allow_forget_inflight)
    revoked = revoked_since(ctx.saved, proposal.plan) if ctx.saved is not None else []
    if revoked:
        raise PlanMismatch(
            f"the plan {ctx.request.plan_path} counted on approvals that were revoked since: {'; '.join(revoked)}; "
            "it is stale. Make a new plan with `campaign plan --out`"
        )
    if ctx.saved is not None and not saved_plan_matches(ctx.saved, proposal.plan):
        raise PlanMismatch(
            f"the plan {ctx.request.plan_path} no longer matches what apply would do; run `campaign plan --out` again"
        )
    if not (ctx.accepted or ctx.interactive):
        needed = notices_needed(
            proposal.plan, ctx.downloads_to is not None, missing_downloads(ctx, proposal.state), proposal.state
        )
        acknowledge(needed, accepted=False, interactive=False)


def resolve(ctx: Context, proposal: Proposal, factory: ProviderFactory) -> Proposal:
    """Look avatar names up in the providers' catalogs (in memory), and plan again with their ids."""
    if not unresolved_avatars(ctx.spec, proposal.state.resolved_avatars):
        return proposal
    resolved = propose(ctx, resolve_names(ctx.spec, proposal.state, factory), changed=True)
    guard(ctx, resolved)
    return resolved


def adopt(ctx: Context, proposal: Proposal, factory: ProviderFactory) -> Proposal:
    """Adopt, in memory, videos the account has but the state does not know (an older checkout's lockfile).

    One look per provider and apply (its tagged videos or renders), and only when such videos are about to be paid for;
    TikTok's list is read page by page, only until every one of them is found (execute/scan.py).
    """
    jobs = adoption.adoptable(proposal.plan)
    if not jobs:
        return proposal
    click.echo(
        f"looking in the account for {plural(len(jobs), 'video')} about to be paid for, by the ~tag in their "
        "names (an older checkout's lockfile may not know them): one video list per provider, read until they are found",
        err=True,
    )
    foreign = recorded_elsewhere(ctx.workspace, proposal.state)
    state, found = adoption.look_up(
        jobs,
        factory.catalog,
        proposal.state,
        factory.clock.time(),
        foreign,
        warn=lambda line: click.echo(line, err=True),
    )
    for each in found:
        click.echo(adoption.found_line(each), err=True)
    adopted = [each for each in found if each.elsewhere is None]
    return propose(ctx, state, changed=True) if adopted else proposal


def has_work(ctx: Context, proposal: Proposal) -> bool:
    """Whether anything is to be created, renamed, replaced, forgotten or downloaded."""
    return proposal.plan.has_changes or bool(missing_downloads(ctx, proposal.state))


def settle(ctx: Context, store: StateStore, proposal: Proposal, world: World) -> bool:
    """Nothing to do: keep what was found, say so, list what cannot be made; True when everything is made."""
    if store.shared or proposal.changed:  # nothing paid; with a backend, the checkout shows its state
        store.write(proposal.state.with_world(world))
    settled, held = proposal.plan.settled_failures, proposal.plan.held
    up_to_date = len(proposal.planned.graph.jobs) - len(settled) - len(held)
    if held:
        click.echo(
            f"Nothing apply may make now: {plural(up_to_date, 'job')} up to date, {len(held)} waiting for approval.",
            err=ctx.to_stderr,
        )
    else:
        click.echo(f"No changes. {plural(up_to_date, 'job')} up to date.", err=ctx.to_stderr)
    for change in settled:  # CI must not take an incomplete campaign for done
        what = "blocked" if change.action is Action.BLOCKED else "failed"
        click.echo(f"  {what} {change.key}: {change.reason}", err=True)
    if settled:
        click.echo(
            f"{plural(len(settled), 'job')} cannot be made as the spec stands; change the spec (see above).", err=True
        )
    return not settled


def confirm(ctx: Context, proposal: Proposal) -> None:
    """Show the plan; ask on a terminal (a saved plan counts as approved); then the providers' notices."""
    plan = proposal.plan
    click.echo(render_text(plan, color=not ctx.to_stderr and sys.stdout.isatty()), nl=False, err=ctx.to_stderr)
    if not (ctx.request.yes or ctx.saved is not None) and not click.confirm("Apply these changes?", default=False):
        raise CampaignError("apply cancelled; nothing was done")
    missing = missing_downloads(ctx, proposal.state)
    needed = notices_needed(plan, ctx.downloads_to is not None, missing, proposal.state)
    acknowledge(needed, accepted=ctx.accepted, interactive=ctx.interactive)


def record(store: StateStore, proposal: Proposal, world: World) -> Lockfile:
    """Record the resolved names, adopted videos and the world, before the first request."""
    return store.write(proposal.state.with_world(world))
