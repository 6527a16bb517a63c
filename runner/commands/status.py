"""`campaign status SPEC`: what the lockfile holds; `--refresh` asks the API about unfinished tasks."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from runner.campaignfile.load import load_spec
from runner.campaignfile.model import Spec
from runner.errors import SpecError
from runner.execute.artifacts import artifact_ok
from runner.lock import lockfile
from runner.lock.orphans import find_orphans
from runner.lock.records import Lockfile
from runner.lock.world import check_world, world_from_env
from runner.options import format_option, lock_option, spec_argument
from runner.plan.select import in_file_order
from runner.provenance.credentials import unsigned_reason
from runner.state.store import StateStore, state_store
from runner.terminal import consent_ask
from runner.vocabulary.kinds import known_kind
from runner.vocabulary.states import JobState
from runner.wording import plural
from runner.workspace import Workspace


def refresh_unfinished(spec: Spec, lock: Lockfile, lock_path: Path, sandbox: bool) -> Lockfile:
    """Ask the provider once about each submitted task and record the finished ones (the engine, poll-only)."""
    from runner.environment import provider_environment
    from runner.execute.engine import Providers, refresh_submitted
    from runner.providers.factory import factory_from_env

    workspace = Workspace(spec.path, sandbox=sandbox)
    submitted = {k: r for k, r in lock.jobs.items() if r.state == JobState.SUBMITTED and r.task_ids}
    if not submitted:
        return lock
    with (
        provider_environment(sandbox, workspace.sandbox_state_file(spec.campaign)) as env,
        factory_from_env(env, state_dir=workspace.state_dir) as factory,
    ):
        check_world(
            lock.world, world_from_env(env, {r.provider for r in submitted.values()}, sandbox=sandbox), lock_path
        )
        providers = Providers.for_kinds({r.kind for r in submitted.values()}, factory.client, budget=factory.budget)
        refreshed = refresh_submitted(lock, lock_path, providers, clock=factory.clock)
    for key, url in sorted(refreshed.consent_urls.items()):
        where = submitted[key].addresses[0] if submitted[key].addresses else ""
        click.echo(f"{where}: waits for its subject's consent; {consent_ask(url, sys.stderr)}", err=True)
    return refreshed.lockfile


def _load_for_status(spec: Path, refresh: bool) -> tuple[Spec | None, str | None]:
    """The spec when it loads; status itself only needs the lockfile, so an invalid spec is a note (and exit 1)."""
    try:
        return load_spec(spec), None
    except SpecError as exc:
        if refresh:
            raise
        return None, (
            f"{exc}\nnote: {spec} is invalid ({plural(len(exc.problems), 'problem')}; "
            f"run `campaign validate {spec}`); showing the lockfile only"
        )


def _read(store: StateStore, loaded: Spec, refresh: bool) -> Lockfile | None:
    """The state (None when nothing was recorded yet); with `refresh`, the provider's answers recorded first."""
    if not refresh:
        return store.read_existing()
    workspace = store.workspace
    with store.hold("status --refresh"):
        state = store.read()
        lock = refresh_unfinished(loaded, state, workspace.lockfile, workspace.sandbox)
        if store.shared and lock is not state:  # the checkout has the answers; the shared state gets them too
            lock = store.write(lock)
    return lock


@click.command()
@spec_argument
@lock_option
@click.option("--refresh", is_flag=True, help="Ask the provider about submitted tasks and record the finished ones.")
@click.option(
    "--sandbox", is_flag=True, help="Show the sandbox's lockfile (SPEC.sandbox.lock.yaml) that `apply --sandbox` keeps."
)
@format_option("text", "json")
def command(spec: Path, lock_path: Path | None, refresh: bool, sandbox: bool, fmt: str) -> None:
    """Show every job the lockfile holds: state, video ids, artifacts, errors, orphan downloads."""
    loaded, note = _load_for_status(spec, refresh)
    if note is not None:
        click.echo(note, err=True)
    workspace = Workspace(spec, sandbox=sandbox, lock_override=lock_path)
    sandbox_note = workspace.sandbox_only_note()
    if sandbox_note is not None:
        click.echo(sandbox_note, err=True)
    if loaded is None:  # no campaign to key shared state by: the checkout's lockfile, whatever its campaign
        lock = lockfile.read_existing(workspace.lockfile)
    else:
        with state_store(workspace, loaded) as store:
            lock = _read(store, loaded, refresh)
    if lock is None:
        _show_nothing_yet(workspace, fmt)
        if note is not None:
            raise SystemExit(1)
        return
    rows = _rows(lock, workspace.lockfile, loaded)
    counts = {
        state: sum(r["state"] == state for r in rows) for state in ("succeeded", "submitted", "pending", "failed")
    }
    configured = loaded.apply.artifacts_dir if loaded is not None else None
    orphans = [p.as_posix() for p in find_orphans(workspace, lock, configured)]
    if fmt == "json":
        _show_json(workspace, lock, rows, counts, orphans)
    else:
        _show_text(workspace, lock, rows, counts, orphans)
    if any(record.artifacts for record in lock.jobs.values()):
        reason = unsigned_reason(os.environ, sandbox=sandbox)
        if reason:
            click.echo(f"note: {reason}", err=True)
    if counts["failed"] or note is not None:
        raise SystemExit(1)


def _show_nothing_yet(workspace: Workspace, fmt: str) -> None:
    path, sandbox = workspace.lockfile, workspace.sandbox
    if fmt == "json":
        nothing = {"lockfile": str(path), "exists": False, "counts": {}, "jobs": [], "orphans": []}
        click.echo(json.dumps(nothing, indent=2, sort_keys=True))
        return
    hint = f"no lockfile yet at {path}: nothing has been applied" + (" in the sandbox" if sandbox else "")
    click.echo(
        f"0 jobs: {hint}; run `campaign apply {workspace.spec_path}{' --sandbox' if sandbox else ''}` to create it"
    )


def _free(kind: str) -> bool:
    """Whether a kind's jobs make nothing to download (an upload)."""
    spec = known_kind(kind)
    return spec is not None and spec.free


def _rows(lock: Lockfile, lock_path: Path, spec: Spec | None) -> list[dict[str, Any]]:
    """One row per job, in the campaign file's order: key, kind, state, addresses, video ids, downloads, error."""
    rows = []
    addresses = {key: record.addresses for key, record in lock.jobs.items()}
    keys = in_file_order(spec, addresses) if spec is not None else sorted(addresses)
    for key, record in ((k, lock.jobs[k]) for k in keys):
        present = sum(artifact_ok(a, lock_path.parent) for a in record.artifacts)
        rows.append(
            {
                "key": key,
                "kind": record.kind,
                "state": record.state,
                "addresses": list(record.addresses),
                "video_ids": list(record.video_ids) or ([record.stock_video_id] if record.stock_video_id else []),
                "artifacts": f"{present}/{len(record.video_ids)}" if not _free(record.kind) else "-",
                "error": f"{record.error.code}: {record.error.message}" if record.error else None,
            }
        )
    return rows


def _show_json(
    workspace: Workspace, lock: Lockfile, rows: list[dict[str, Any]], counts: dict[str, int], orphans: list[str]
) -> None:
    shown = {
        "lockfile": str(workspace.lockfile),
        "exists": True,
        "counts": counts,
        "jobs": rows,
        "orphans": orphans,
        "world": lock.world.describe() if lock.world else None,
    }
    click.echo(json.dumps(shown, indent=2, sort_keys=True))


def _show_text(
    workspace: Workspace, lock: Lockfile, rows: list[dict[str, Any]], counts: dict[str, int], orphans: list[str]
) -> None:
    for row in rows:
        ids = ", ".join(row["video_ids"]) or "-"
        click.echo(f"{row['state']:<10} {row['key']}  {row['kind']:<13} videos: {ids}  artifacts: {row['artifacts']}")
        if row["error"]:
            click.echo(f"           error: {row['error']}")
    world = f"; world: {lock.world.describe()}" if lock.world else ""
    tally = ", ".join(f"{n} {s}" for s, n in counts.items())
    click.echo(f"{plural(len(rows), 'job')}: {tally} ({workspace.lockfile}{world})")
    if orphans:
        click.echo(
            f"{plural(len(orphans), 'orphan artifact')} (downloads of replaced or forgotten jobs; "
            f"`campaign clean {workspace.spec_path}` lists them, `--yes` removes them):"
        )
        for orphan in orphans:
            click.echo(f"  {orphan}")
