"""`campaign status SPEC`: what the lockfile holds; `--refresh` asks the API about unfinished tasks."""

from __future__ import annotations

import json
from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.campaignfile.model import Spec
from runner.errors import LockfileError, SpecError
from runner.execute.artifacts import artifact_ok
from runner.lock import lockfile
from runner.lock.lockfile import Lockfile
from runner.lock.orphans import artifacts_folder, orphan_artifacts, referenced
from runner.lock.statelock import StateLock
from runner.lock.world import check_world, world_from_env
from runner.options import format_option, lock_option, spec_argument
from runner.paths import lock_path_for, sandbox_only_note


def refresh_unfinished(spec: Spec, lock: Lockfile, lock_path: Path, sandbox: bool) -> Lockfile:
    """Ask the provider once about each submitted task and record the finished ones (the engine, poll-only)."""
    from runner.apply.orchestrate import sandbox_state_file
    from runner.environment import provider_environment
    from runner.execute.engine import Providers, refresh_submitted
    from runner.paths import state_dir_for
    from runner.providers.factory import factory_from_env

    submitted = {k: r for k, r in lock.jobs.items() if r.state == "submitted" and r.task_ids}
    if not submitted:
        return lock
    with (
        provider_environment(sandbox, sandbox_state_file(spec)) as env,
        factory_from_env(env, state_dir=state_dir_for(spec.path)) as factory,
    ):
        check_world(
            lock.world, world_from_env(env, {r.provider for r in submitted.values()}, sandbox=sandbox), lock_path
        )
        providers = Providers.for_kinds({r.kind for r in submitted.values()}, factory.catalog, budget=factory.budget)
        refreshed = refresh_submitted(lock, lock_path, providers, clock=factory.clock)
    for key, url in sorted(refreshed.consent_urls.items()):
        where = submitted[key].addresses[0] if submitted[key].addresses else ""
        click.echo(f"{where}: waits for its subject's consent; the subject must approve at {url}", err=True)
    return refreshed.lockfile


def _load_for_status(spec: Path, refresh: bool) -> tuple[Spec | None, str | None]:
    """The spec when it loads; status itself only needs the lockfile, so an invalid spec is a note (and exit 1)."""
    try:
        return load_spec(spec), None
    except SpecError as exc:
        if refresh:
            raise
        count = len(exc.problems)
        return None, (
            f"{exc}\nnote: {spec} is invalid ({count} problem{'s' if count != 1 else ''}; "
            f"run `campaign validate {spec}`); showing the lockfile only"
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


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
    path = lock_path or lock_path_for(spec, sandbox=sandbox)
    sandbox_note = sandbox_only_note(spec, lock_path, sandbox)
    if sandbox_note is not None:
        click.echo(sandbox_note, err=True)
    if refresh and loaded is not None:
        with StateLock(path, operation="status --refresh"):
            lock: Lockfile | None = refresh_unfinished(loaded, lockfile.read(path, loaded.campaign), path, sandbox)
    elif loaded is not None:
        lock = lockfile.read(path, loaded.campaign) if path.exists() else None
    else:
        lock = lockfile.read_existing(path)
    if lock is None:
        hint = f"no lockfile yet at {path}: nothing has been applied" + (" in the sandbox" if sandbox else "")
        click.echo(
            json.dumps(
                {"lockfile": str(path), "exists": False, "counts": {}, "jobs": [], "orphans": []},
                indent=2,
                sort_keys=True,
            )
            if fmt == "json"
            else f"0 jobs: {hint}; run `campaign apply {spec}{' --sandbox' if sandbox else ''}` to create it"
        )
        if note is not None:
            raise SystemExit(1)
        return
    rows = []
    for key, record in sorted(lock.jobs.items()):
        present = sum(artifact_ok(a, path.parent) for a in record.artifacts)
        rows.append(
            {
                "key": key,
                "kind": record.kind,
                "state": record.state,
                "addresses": list(record.addresses),
                "video_ids": list(record.video_ids) or ([record.stock_video_id] if record.stock_video_id else []),
                "artifacts": f"{present}/{len(record.video_ids)}" if record.kind != "upload" else "-",
                "error": f"{record.error.code}: {record.error.message}" if record.error else None,
            }
        )
    counts = {
        state: sum(r["state"] == state for r in rows) for state in ("succeeded", "submitted", "pending", "failed")
    }
    configured = loaded.apply.artifacts_dir if loaded is not None else None
    orphans = [p.as_posix() for p in find_orphans(spec, path, lock, configured)]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "lockfile": str(path),
                    "exists": True,
                    "counts": counts,
                    "jobs": rows,
                    "orphans": orphans,
                    "world": lock.world.describe() if lock.world else None,
                },
                indent=2,
                sort_keys=True,
            )
        )
    else:
        for row in rows:
            ids = ", ".join(row["video_ids"]) or "-"  # type: ignore[arg-type]
            click.echo(
                f"{row['state']:<10} {row['key']}  {row['kind']:<13} videos: {ids}  artifacts: {row['artifacts']}"
            )
            if row["error"]:
                click.echo(f"           error: {row['error']}")
        world = f"; world: {lock.world.describe()}" if lock.world else ""
        click.echo(
            _plural(len(rows), "job") + ": " + ", ".join(f"{n} {s}" for s, n in counts.items()) + f" ({path}{world})"
        )
        if orphans:
            click.echo(
                f"{_plural(len(orphans), 'orphan artifact')} (downloads of replaced or forgotten jobs; "
                f"`campaign clean {spec}` lists them, `--yes` removes them):"
            )
            for orphan in orphans:
                click.echo(f"  {orphan}")
    if counts["failed"] or note is not None:
        raise SystemExit(1)


def find_orphans(spec: Path, lock_path: Path, lock: Lockfile, configured: str | None) -> list[Path]:
    """Downloads no lockfile of this spec keeps (the sandbox's and the real one share the folder)."""
    kept = referenced(lock, lock_path)
    for sibling in {lock_path_for(spec), lock_path_for(spec, sandbox=True)} - {lock_path}:
        try:
            other = lockfile.read_existing(sibling)
        except LockfileError:
            other = None
        if other is not None and other.campaign == lock.campaign:
            kept |= referenced(other, sibling)
    return orphan_artifacts(artifacts_folder(spec, lock.campaign, configured), kept)
