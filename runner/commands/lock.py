"""`campaign lock list|status`: the state locks; `campaign lock merge|merge-driver`: a lockfile after a git merge."""

from __future__ import annotations

from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.errors import LockfileError
from runner.lock import lockfile, markers, wal
from runner.lock.merge import Merged, parse_sides, union
from runner.lock.records import dumps, loads
from runner.options import lock_option, sandbox_option, spec_argument
from runner.state.backend import required_backend
from runner.state.store import state_store
from runner.workspace import Workspace


@click.group()
def command() -> None:
    """State locks (CAMPAIGN_STATE_URL) and joining a lockfile's sides after a git merge."""


@command.command("list")
def list_() -> None:
    """Every lock: campaign, id, operation, holder, since, lease end."""
    backend = required_backend()
    try:
        leases = backend.leases()
    finally:
        backend.close()
    if not leases:
        click.echo("No locks.")
    for lease in leases:
        click.echo(f"{lease.campaign}: {lease.describe()}")


@command.command()
@spec_argument
def status(spec: Path) -> None:
    """The lock on SPEC's campaign, if any."""
    loaded = load_spec(spec)
    with state_store(Workspace(spec), loaded) as store:
        leases = store.leases()
    if not leases:
        click.echo(f"{loaded.campaign}: not locked.")
    for lease in leases:
        click.echo(f"{loaded.campaign}: {lease.describe()}")


def _contradictions(merged: Merged, where: str) -> LockfileError:
    lines = "\n".join(f"  {line}" for line in merged.contradictions)
    return LockfileError(
        f"{where}: both sides cannot be joined without losing a paid video id:\n{lines}\n"
        "nothing was written; settle these records by hand, then run the merge again"
    )


@command.command()
@spec_argument
@lock_option
@sandbox_option
def merge(spec: Path, lock_path: Path | None, sandbox: bool) -> None:
    """Join both sides of SPEC's lockfile left by a git merge: every video id kept, the later state of a job wins."""
    path = Workspace(spec, sandbox=sandbox, lock_override=lock_path).lockfile
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockfileError(f"{path}: no lockfile here; nothing to merge (pass --lock for another path)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockfileError(f"{path}: cannot read lockfile: {exc}") from None
    if markers.conflict_line(text) is None:
        click.echo(f"{path}: no merge conflict markers; nothing to merge.")
        return
    merged = union(*parse_sides(text, str(path)))
    if merged.contradictions:
        raise _contradictions(merged, str(path))
    lockfile.write(path, wal.replay(path, merged.lockfile))
    click.echo(
        f"{path}: joined {merged.only_ours} job(s) only on our side, {merged.only_theirs} only on theirs "
        f"and {merged.on_both} on both; every video id is kept. `git add {path}` to mark it resolved."
    )


@command.command("merge-driver")
@click.argument("base", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("ours", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("theirs", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("name", required=False)
def merge_driver(base: Path, ours: Path, theirs: Path, name: str | None) -> None:
    """Git merge driver for lockfiles (%O %A %B [%P]): writes the union into OURS; exit 1 on a contradiction."""
    where = name or str(ours)
    ours_text, theirs_text = ours.read_text(encoding="utf-8"), theirs.read_text(encoding="utf-8")
    try:
        merged = union(loads(ours_text, f"{where} (our side)"), loads(theirs_text, f"{where} (their side)"))
    except LockfileError:
        ours.write_text(markers.conflicted_text(ours_text, theirs_text), encoding="utf-8")
        raise
    if merged.contradictions:
        ours.write_text(markers.conflicted_text(ours_text, theirs_text), encoding="utf-8")
        raise _contradictions(merged, where)
    ours.write_text(dumps(lockfile.next_version(merged.lockfile)), encoding="utf-8")
