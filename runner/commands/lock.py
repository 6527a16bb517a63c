"""`campaign lock list` and `campaign lock status SPEC`: the locks in the PostgreSQL state backend."""

from __future__ import annotations

from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.options import spec_argument
from runner.state.backend import required_backend
from runner.state.store import state_store
from runner.workspace import Workspace


@click.group()
def command() -> None:
    """Show the state backend's locks (CAMPAIGN_STATE_URL)."""


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
