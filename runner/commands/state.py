"""`campaign state pull|push SPEC`: the lockfile in the checkout from, or into, the PostgreSQL state backend."""

from __future__ import annotations

from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.options import lock_option, sandbox_option, spec_argument
from runner.state.store import state_store
from runner.workspace import Workspace


@click.group()
def command() -> None:
    """Move state between the checkout's lockfile and the PostgreSQL backend (CAMPAIGN_STATE_URL)."""


@command.command()
@spec_argument
@lock_option
@sandbox_option
def pull(spec: Path, lock_path: Path | None, sandbox: bool) -> None:
    """Write SPEC's lockfile from the backend, so the checkout (and its pull request) shows the state."""
    workspace = Workspace(spec, sandbox=sandbox, lock_override=lock_path)
    with state_store(workspace, load_spec(spec)) as store:
        stored = store.pull()
    click.echo(f"Wrote {workspace.lockfile} from the backend: {len(stored.jobs)} jobs, serial {stored.serial}.")


@command.command()
@spec_argument
@lock_option
@sandbox_option
def push(spec: Path, lock_path: Path | None, sandbox: bool) -> None:
    """Seed the backend from SPEC's lockfile and journal, under the lease; refused when it would forget state."""
    workspace = Workspace(spec, sandbox=sandbox, lock_override=lock_path)
    with state_store(workspace, load_spec(spec)) as store:
        pushed = store.push()
    click.echo(f"Pushed {workspace.lockfile} to the backend: {len(pushed.jobs)} jobs, serial {pushed.serial}.")
