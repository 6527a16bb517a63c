"""`campaign force-unlock LOCK_ID SPEC`: clear a state lock whose holder is gone."""

from __future__ import annotations

from pathlib import Path

import click

from runner.state.store import state_store
from runner.workspace import Workspace


@click.command("force-unlock")
@click.argument("lock_id")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--lock",
    "lock_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Lockfile path (default: beside SPEC, x.yaml -> x.lock.yaml).",
)
@click.option("--sandbox", is_flag=True, help="The lock of the sandbox's lockfile (SPEC.sandbox.lock.yaml).")
def command(lock_id: str, spec: Path, lock_path: Path | None, sandbox: bool) -> None:
    """Remove the state lock LOCK_ID of SPEC's lockfile, left by an apply that is gone."""
    with state_store(Workspace(spec, sandbox=sandbox, lock_override=lock_path)) as store:
        click.echo(store.force_unlock(lock_id))
