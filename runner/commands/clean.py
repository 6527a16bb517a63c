"""`campaign clean SPEC [--yes]`: remove downloads of replaced or forgotten jobs; a dry run without --yes."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from runner.atomic import StorageError
from runner.campaignfile.load import load_spec
from runner.commands.status import find_orphans
from runner.lock import lockfile
from runner.lock.statelock import StateLock
from runner.options import lock_option, sandbox_option, spec_argument
from runner.paths import lock_path_for


@click.command()
@spec_argument
@lock_option
@sandbox_option
@click.option("--yes", is_flag=True, help="Remove the orphan artifacts (without it, only list them).")
def command(spec: Path, lock_path: Path | None, sandbox: bool, yes: bool) -> None:
    """List (or with --yes remove) downloaded videos that no lockfile of SPEC refers to any more."""
    loaded = load_spec(spec)
    path = lock_path or lock_path_for(spec, sandbox=sandbox)
    with contextlib.ExitStack() as held:
        # An apply of either world may be downloading into the shared folder right now.
        for each in sorted({path, lock_path_for(spec), lock_path_for(spec, sandbox=True)}):
            if each == path or each.exists():
                held.enter_context(StateLock(each, operation="clean"))
        lock = lockfile.read(path, loaded.campaign)
        orphans = find_orphans(spec, path, lock, loaded.apply.artifacts_dir)
        if not orphans:
            click.echo("No orphan artifacts.")
            return
        for orphan in orphans:
            click.echo(f"{'removing' if yes else 'would remove'} {orphan.as_posix()}")
            if yes:
                try:
                    orphan.unlink(missing_ok=True)
                except OSError as exc:
                    raise StorageError(
                        f"cannot remove {orphan}: {exc.strerror}; fix the folder's permissions"
                    ) from None
    size = "removed" if yes else "to remove; run again with --yes to remove them"
    click.echo(f"{len(orphans)} orphan artifact{'s' if len(orphans) != 1 else ''} {size}")
