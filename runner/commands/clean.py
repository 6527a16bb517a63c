"""`campaign clean SPEC [--yes]`: remove downloads of replaced or forgotten jobs; a dry run without --yes."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from runner.atomic import StorageError
from runner.campaignfile.load import load_spec
from runner.lock.orphans import find_orphans
from runner.lock.statelock import StateLock
from runner.options import lock_option, sandbox_option, spec_argument
from runner.state.store import state_store
from runner.wording import plural
from runner.workspace import Workspace


@click.command()
@spec_argument
@lock_option
@sandbox_option
@click.option("--yes", is_flag=True, help="Remove the orphan artifacts (without it, only list them).")
def command(spec: Path, lock_path: Path | None, sandbox: bool, yes: bool) -> None:
    """List (or with --yes remove) downloaded videos that no lockfile of SPEC refers to any more."""
    loaded = load_spec(spec)
    workspace = Workspace(spec, sandbox=sandbox, lock_override=lock_path)
    with state_store(workspace, loaded) as store, contextlib.ExitStack() as held:
        held.enter_context(store.hold("clean"))
        # An apply of the other world may be downloading into the shared folder right now.
        for other in sorted(set(workspace.lockfiles) - {workspace.lockfile}):
            if other.exists():
                held.enter_context(StateLock(other, operation="clean"))
        orphans = find_orphans(workspace, store.read(), loaded.apply.artifacts_dir)
        if not orphans:
            click.echo("No orphan artifacts.")
            return
        for orphan in orphans:
            click.echo(f"{'removing' if yes else 'would remove'} {orphan.as_posix()}")
            if yes:
                _remove(orphan)
    size = "removed" if yes else "to remove; run again with --yes to remove them"
    click.echo(f"{plural(len(orphans), 'orphan artifact')} {size}")


def _remove(orphan: Path) -> None:
    try:
        orphan.unlink(missing_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot remove {orphan}: {exc.strerror}; fix the folder's permissions") from None
