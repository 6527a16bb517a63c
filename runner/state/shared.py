"""State shared in PostgreSQL (CAMPAIGN_STATE_URL): a lease per campaign and world, the checkout's lockfile beside it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property

from runner.campaignfile.model import Spec
from runner.errors import CampaignError, LockfileError
from runner.lock import lockfile
from runner.lock import world as worlds
from runner.lock.records import Lockfile
from runner.state.backend import lease_seconds
from runner.state.lease import Lease
from runner.state.local import LocalStore
from runner.state.postgres import BackendMirror, PostgresState
from runner.workspace import Workspace

SANDBOX_WORLD = "sandbox"  # `--sandbox` runs share one world whatever the emulator's port


class PostgresStore:
    """A campaign's state in one world of the backend; the checkout's lockfile and file lock are kept as well."""

    shared = True

    def __init__(
        self, backend: PostgresState, workspace: Workspace, spec: Spec | None, environ: Mapping[str, str] | None
    ) -> None:
        self.backend = backend
        self.workspace = workspace
        self.checkout = LocalStore(workspace, spec)
        self._environ = environ

    @property
    def campaign(self) -> str:
        """The campaign whose state this is."""
        return self.checkout.spec.campaign

    @cached_property
    def where(self) -> str:
        """The backend's key for the world this environment points at: the world apply records, as JSON."""
        return self._world_key(self.checkout.read())

    def _world_key(self, local: Lockfile) -> str:
        if self.workspace.sandbox:
            return SANDBOX_WORLD
        current = worlds.current_world(
            self.checkout.spec,
            (r.provider for r in local.jobs.values()),
            os.environ if self._environ is None else self._environ,
            sandbox=False,
        )
        return json.dumps(worlds.to_data(worlds.expected_world(local.world, current)), sort_keys=True)

    @contextmanager
    def hold(self, operation: str, *, timeout: float = 0.0) -> Iterator[Lease]:
        """The checkout's file lock, then the campaign's lease in this world (renewed by a heartbeat)."""
        with self.checkout.hold(operation):
            seconds = lease_seconds(self.checkout.spec.apply.lock_lease, self._environ)
            lease = self.backend.acquire(self.campaign, self.where, operation, seconds, timeout)
            try:
                yield lease
            finally:
                self.backend.release(lease)

    def read(self) -> Lockfile:
        """The backend's state; the checkout's lockfile while the backend has none for this world."""
        stored = self.backend.read(self.campaign, self.where)
        return stored if stored is not None else self.checkout.read()

    def read_existing(self) -> Lockfile | None:
        """The backend's state, else the checkout's lockfile, else None."""
        stored = self.backend.read(self.campaign, self.where)
        return stored if stored is not None else self.checkout.read_existing()

    def write(self, lock: Lockfile) -> Lockfile:
        """Write the checkout's lockfile (the reviewed snapshot), then the same state to the backend."""
        self.backend.check_lease()
        written = self.checkout.write(lock)
        self.backend.write(written, self.where)
        return written

    def mirror(self) -> BackendMirror:
        """The engine's journal, committed to the backend before each request."""
        return self.backend.mirror(self.where)

    def leases(self) -> list[Lease]:
        """The leases on this campaign, in every world."""
        return [lease for lease in self.backend.leases() if lease.campaign == self.campaign]

    def force_unlock(self, lock_id: str) -> str:
        """Remove a lease whose holder is gone."""
        lease = self.backend.force_unlock(self.campaign, lock_id)
        return f"removed the backend lock of {lease.campaign}: {lease.describe()}"

    def pull(self) -> Lockfile:
        """Write the checkout's lockfile from the backend (also over a damaged one: the environment says where)."""
        try:
            where = self.where
        except LockfileError:
            where = self._world_key(Lockfile(campaign=self.campaign))
        stored = self.backend.read(self.campaign, where)
        if stored is None:
            raise CampaignError(f"the backend has no state of {self.campaign} in this world yet; apply, or state push")
        with self.checkout.hold("state pull"):
            self.checkout.write(stored)
        return stored

    def push(self) -> Lockfile:
        """Seed the backend from the checkout's lockfile; refused when the backend holds newer or foreign state."""
        path = self.workspace.lockfile
        local = lockfile.read_existing(path)  # the file as committed
        if local is None:
            raise CampaignError(f"there is no {path} to push")
        stored = self.backend.read(self.campaign, self.where)
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
        self.backend.write(local, self.where)
        return local

    def close(self) -> None:
        """Close the backend's connection (a held lease was released by `hold`)."""
        self.backend.close()
