"""`campaign import SPEC [--yes]`: rebuild a lost lockfile from the providers, by the `~tag` in video names and titles."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from runner.apply.resolve import resolve_names
from runner.campaignfile.load import load_spec
from runner.campaignfile.model import Spec
from runner.environment import provider_environment
from runner.execute import adoption
from runner.lock.owners import recorded_elsewhere
from runner.lock.records import Lockfile
from runner.lock.world import World, check_world, current_world
from runner.options import lock_option, sandbox_option, spec_argument
from runner.plan.expand import unresolved_avatars
from runner.plan.make import plan_for
from runner.plan.model import Action, Change, Plan
from runner.plan.review import reviewed
from runner.providers.factory import factory_from_env
from runner.state.store import state_store
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.states import JobState
from runner.wording import plural
from runner.workspace import Workspace

NOT_FINDABLE: dict[str, str] = {
    JobKind.UPLOAD: "uploads carry no name the provider lists",
    JobKind.REFRESH_VIDEO: "refresh creates take no name",
}


@click.command("import")
@spec_argument
@lock_option
@sandbox_option
@click.option("--yes", is_flag=True, help="Write what was found into the lockfile (without it, only show it).")
def command(spec: Path, lock_path: Path | None, sandbox: bool, yes: bool) -> None:
    """Find SPEC's videos in the provider accounts by the tag in their names (or titles), and record them.

    Rebuilds a lost or deleted lockfile: every avatar video and render that apply made carries its
    job's `~tag` for its campaign. A dry run unless --yes. Only jobs the lockfile lacks are filled; a
    record with video ids is never overwritten, nor is a video another lockfile beside SPEC records.
    """
    loaded = load_spec(spec)
    workspace = Workspace(spec, sandbox=sandbox, lock_override=lock_path)
    path = workspace.lockfile
    with state_store(workspace, loaded) as store, store.hold("import"):
        plan, found, adopted, world = _find(loaded, workspace, store.read())
        for each in [a for a in adopted if a.elsewhere is not None]:
            click.echo(f"  ! {adoption.found_line(each)}")
        adopted = [a for a in adopted if a.elsewhere is None]
        for each in adopted:
            click.echo(
                f"  + import {each.job.addresses[0]} <- {each.noun} {each.video_id} ({each.name!r}){_state(each)}"
            )
        _report_the_rest(plan.changes, {a.key for a in adopted})
        if not adopted:
            click.echo("Nothing to import.")
            return
        if not yes:
            click.echo(f"{plural(len(adopted), 'video')} to import into {path}; run again with --yes to write them.")
            return
        store.write(found.with_world(world))
        click.echo(f"Imported {plural(len(adopted), 'video')} into {path}.")


def _find(spec: Spec, workspace: Workspace, lock: Lockfile) -> tuple[Plan, Lockfile, list[adoption.Adoption], World]:
    """Resolve names, plan, and look for the planned avatar videos by their tags; nothing is written."""
    with (
        provider_environment(workspace.sandbox, workspace.sandbox_state_file(spec.campaign)) as env,
        factory_from_env(env, state_dir=workspace.state_dir) as factory,
    ):
        current = current_world(spec, (r.provider for r in lock.jobs.values()), env, sandbox=workspace.sandbox)
        world = check_world(lock.world, current, workspace.lockfile)
        resolved = lock
        if unresolved_avatars(spec, lock.resolved_avatars):
            resolved = resolve_names(spec, lock, factory)
        plan = reviewed(plan_for(spec, resolved, workspace.lockfile))  # in the file's order
        wanted = adoption.adoptable(plan)
        foreign = recorded_elsewhere(workspace, resolved)
        found, adopted = adoption.look_up(
            wanted,
            factory.catalog,
            resolved,
            factory.clock.time(),
            foreign,
            warn=lambda line: click.echo(line, err=True),
        )
    order = {change.key: index for index, change in enumerate(plan.changes)}
    return plan, found, sorted(adopted, key=lambda a: order.get(a.key, len(order))), world


def _state(found: adoption.Adoption) -> str:
    """What a found render still is, when not made: rendering, or failed and why."""
    record = found.record
    if record.twin is not None:
        return f": digital twin, {record.twin.get('consent_status') or 'consent not given yet'}"
    if record.state == JobState.SUBMITTED:
        return ": still rendering (the next apply follows it)"
    if record.state == JobState.FAILED and record.error is not None:
        return f": failed ({record.error.code}: {record.error.message})"
    return ""


def _report_the_rest(changes: tuple[Change, ...], adopted: set[str]) -> None:
    """Say what stays to be made, and why the provider could not give it back."""
    missing: Counter[str] = Counter()
    for change in changes:
        job = change.job
        if job is not None and change.action in (Action.CREATE, Action.REPLACE) and job.key not in adopted:
            missing[job.kind] += 1
    for kind, count in sorted(missing.items()):
        why = NOT_FINDABLE.get(kind, "no video in the account carries its tag")
        click.echo(f"  {plural(count, str(kind).replace('_', ' ') + ' job')} not found ({why}): apply will create them")
