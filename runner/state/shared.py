"""State shared in PostgreSQL (CAMPAIGN_STATE_URL): a lease per campaign and lineage, the checkout's lockfile beside it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property

from runner.campaignfile.model import Spec
from runner.errors import CampaignError, LockfileError
from runner.lock import world as worlds
from runner.lock.records import Lockfile
from runner.state.backend import lease_seconds
from runner.state.lease import Lease
from runner.state.lineage import ForeignLineage, origin_of
from runner.state.local import LocalStore
from runner.state.merge import lacking, merge_local
from runner.state.postgres import BackendMirror, PostgresState
from runner.wording import plural
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
    def lineage(self) -> str:
        """The backend's key for this checkout's state: its lockfile's lineage, or the one the backend keeps for it."""
        try:
            local = self.checkout.read()
        except LockfileError:  # a damaged lockfile: the backend knows which lineage this file is
            local = Lockfile(campaign=self.campaign)
        origin = origin_of(self.workspace.lockfile)
        return self.backend.identify(self.campaign, origin, local.lineage, self._legacy_key(local))

    def _legacy_key(self, local: Lockfile) -> str:
        """How state was keyed before lineages (by the world's spelling): rows stored so are adopted once."""
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
            lease = self.backend.acquire(self.campaign, self.lineage, operation, seconds, timeout)
            try:
                yield lease
            finally:
                self.backend.release(lease)

    def read(self) -> Lockfile:
        """The backend's state, with what only the checkout's journal knew merged in; else the checkout's lockfile."""
        local = self.checkout.read()
        stored = self.backend.read(self.campaign, self.lineage)
        if stored is None:
            return replace(local, lineage=self.lineage)
        return merge_local(stored, local) if local.lineage == stored.lineage else stored

    def read_existing(self) -> Lockfile | None:
        """The backend's state, else the checkout's lockfile, else None."""
        if self.backend.read(self.campaign, self.lineage) is None and not self.workspace.lockfile.exists():
            return None
        return self.read()

    def write(self, lock: Lockfile) -> Lockfile:
        """Write the checkout's lockfile (the reviewed snapshot), then the same state to the backend."""
        self.backend.check_lease()
        written = self.checkout.write(replace(lock, lineage=self.lineage))
        self.backend.write(written, self.lineage)
        return written

    def mirror(self) -> BackendMirror:
        """The engine's journal, committed to the backend before each request."""
        return self.backend.mirror(self.lineage)

    def leases(self) -> list[Lease]:
        """The leases on this campaign, in every world."""
        return [lease for lease in self.backend.leases() if lease.campaign == self.campaign]

    def force_unlock(self, lock_id: str) -> str:
        """Remove a lease whose holder is gone."""
        lease = self.backend.force_unlock(self.campaign, lock_id)
        return f"removed the backend lock of {lease.campaign}: {lease.describe()}"

    def pull(self) -> Lockfile:
        """Write the checkout's lockfile from the backend (also over a damaged or foreign one: the path says which)."""
        try:
            lineage = self.lineage
        except ForeignLineage:  # another file's lockfile in its place: the backend keeps this path's lineage
            lineage = self.backend.identify(self.campaign, origin_of(self.workspace.lockfile), "", "")
        stored = self.backend.read(self.campaign, lineage)
        if stored is None:
            raise CampaignError(f"the backend has no state of {self.campaign} for this file yet; apply, or state push")
        with self.checkout.hold("state pull"):
            self.checkout.write(stored)
        return stored

    def push(self) -> Lockfile:
        """Seed the backend from the checkout's lockfile and journal, under the lease; refused when it would lose state."""
        path = self.workspace.lockfile
        if not path.exists():
            raise CampaignError(f"there is no {path} to push")
        with self.hold("state push"):
            local = self.checkout.read()  # the lockfile with its journal: what a killed apply knew
            stored = self.backend.read(self.campaign, self.lineage)
            if stored is not None:
                self._check_push(stored, local)
            written = self.checkout.write(local)
            self.backend.write(written, self.lineage)
        return written

    def _check_push(self, stored: Lockfile, local: Lockfile) -> None:
        path = self.workspace.lockfile
        if stored.serial > local.serial:
            raise CampaignError(
                f"the backend's state is newer (serial {stored.serial}) than {path} (serial {local.serial}); "
                "`campaign state pull` first"
            )
        missing = lacking(stored, local)
        if missing:
            shown = "; ".join(
                f"{key} ({record.state}{', task ' + ', '.join(record.task_ids) if record.task_ids else ''})"
                for key, record in sorted(missing.items())[:10]
            )
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise CampaignError(
                f"nothing was pushed: the backend holds {plural(len(missing), 'job')} in flight that {path} does not know: "
                f"{shown}{more}. Pushing would forget requests already paid for. Run `campaign apply {self._spec_hint()}` "
                f"to finish them, then `campaign state pull {self._spec_hint()}` to bring the checkout up to date"
            )

    def _spec_hint(self) -> str:
        spec, workspace = str(self.workspace.spec_path), self.workspace
        return (
            spec
            + (" --sandbox" if workspace.sandbox else "")
            + (f" --lock {workspace.lockfile}" if workspace.lock_override else "")
        )

    def close(self) -> None:
        """Close the backend's connection (a held lease was released by `hold`)."""
        self.backend.close()
