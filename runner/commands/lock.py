"""`campaign lock list` and `campaign lock status SPEC`: the locks in the PostgreSQL state backend."""

from __future__ import annotations

from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.commands.state import backend_or_fail
from runner.options import spec_argument


@click.group()
def command() -> None:
    """Show the state backend's locks (CAMPAIGN_STATE_URL)."""


@command.command("list")
def list_() -> None:
    """Every lock: campaign, id, operation, holder, since, lease end."""
    backend = backend_or_fail()
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
    backend = backend_or_fail()
    try:
        leases = [lease for lease in backend.leases() if lease.campaign == loaded.campaign]
    finally:
        backend.close()
    if not leases:
        click.echo(f"{loaded.campaign}: not locked.")
    for lease in leases:
        click.echo(f"{loaded.campaign}: {lease.describe()}")
