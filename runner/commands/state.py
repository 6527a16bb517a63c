"""`campaign state pull|push SPEC`: the lockfile in the checkout from, or into, the PostgreSQL state backend."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from runner.campaignfile.load import load_spec
from runner.campaignfile.model import Spec
from runner.errors import CampaignError
from runner.lock import lockfile
from runner.lock import world as worlds
from runner.lock.statelock import StateLock
from runner.options import lock_option, sandbox_option, spec_argument
from runner.paths import lock_path_for
from runner.state.backend import state_backend_from_env

if TYPE_CHECKING:
    from runner.state.backend import StateBackend


def backend_or_fail() -> StateBackend:
    """The backend CAMPAIGN_STATE_URL names; an error when it is not set."""
    backend = state_backend_from_env()
    if backend is None:
        raise CampaignError("no state backend: set CAMPAIGN_STATE_URL=postgresql://… (see docs/team.md)")
    return backend


def world_key(spec: Spec, sandbox: bool) -> str:
    """The backend's key for the world this environment points at (the same one apply uses)."""
    from runner.apply.orchestrate import spec_providers

    if sandbox:
        return "sandbox"
    world = worlds.world_from_env(dict(os.environ), spec_providers(spec), sandbox=False)
    return json.dumps(worlds.to_data(world), sort_keys=True)


@click.group()
def command() -> None:
    """Move state between the checkout's lockfile and the PostgreSQL backend (CAMPAIGN_STATE_URL)."""


@command.command()
@spec_argument
@lock_option
@sandbox_option
def pull(spec: Path, lock_path: Path | None, sandbox: bool) -> None:
    """Write SPEC's lockfile from the backend, so the checkout (and its pull request) shows the state."""
    loaded = load_spec(spec)
    path = lock_path or lock_path_for(spec, sandbox=sandbox)
    backend = backend_or_fail()
    try:
        stored = backend.read(loaded.campaign, world_key(loaded, sandbox))
        if stored is None:
            raise CampaignError(
                f"the backend has no state of {loaded.campaign} in this world yet; apply, or state push"
            )
        with StateLock(path, operation="state pull"):
            lockfile.write(path, stored)
    finally:
        backend.close()
    click.echo(f"Wrote {path} from the backend: {len(stored.jobs)} jobs, serial {stored.serial}.")


@command.command()
@spec_argument
@lock_option
@sandbox_option
def push(spec: Path, lock_path: Path | None, sandbox: bool) -> None:
    """Seed the backend from SPEC's lockfile; refused when the backend holds newer or foreign state."""
    loaded = load_spec(spec)
    path = lock_path or lock_path_for(spec, sandbox=sandbox)
    local = lockfile.read_existing(path)
    if local is None:
        raise CampaignError(f"there is no {path} to push")
    backend = backend_or_fail()
    where = world_key(loaded, sandbox)
    try:
        stored = backend.read(loaded.campaign, where)
        if stored is not None and stored.lineage and local.lineage and stored.lineage != local.lineage:
            raise CampaignError(
                f"{path} is of another lineage ({local.lineage}) than the backend's state ({stored.lineage}): "
                "it is not a copy of this campaign's state; `state pull` to see the backend's"
            )
        if stored is not None and stored.serial > local.serial:
            raise CampaignError(
                f"the backend's state is newer (serial {stored.serial}) than {path} (serial {local.serial}); "
                "`campaign state pull` first"
            )
        backend.write(local, where)
    finally:
        backend.close()
    click.echo(f"Pushed {path} to the backend: {len(local.jobs)} jobs, serial {local.serial}.")
