"""`campaign force-unlock LOCK_ID SPEC`: clear a state lock whose holder is gone."""

from __future__ import annotations

from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.lock.statelock import force_unlock
from runner.paths import lock_path_for
from runner.state.backend import state_backend_from_env


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
    backend = state_backend_from_env()
    if backend is not None:  # the lock lives in the shared backend
        try:
            lease = backend.force_unlock(load_spec(spec).campaign, lock_id)
        finally:
            backend.close()
        click.echo(f"removed the backend lock of {lease.campaign}: {lease.describe()}")
        return
    target = lock_path if lock_path is not None else lock_path_for(spec, sandbox=sandbox)
    removed = force_unlock(target, lock_id)
    click.echo(f"removed the state lock of {target.name}: {removed.describe()}")
