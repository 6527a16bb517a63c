"""The checkout's lockfile as the state: the file lock beside it, the lockfile and its write-ahead log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.campaignfile.load import load_spec
from runner.campaignfile.model import Spec
from runner.lock import lockfile
from runner.lock.records import Lockfile
from runner.lock.statelock import StateLock, force_unlock
from runner.state.backend import NO_BACKEND
from runner.state.errors import StateBackendError
from runner.workspace import Workspace

if TYPE_CHECKING:
    from runner.state.lease import Lease


class LocalStore:
    """One checkout's state: `SPEC.lock.yaml` (or the sandbox's, or `--lock`), held with the file lock."""

    shared = False

    def __init__(self, workspace: Workspace, spec: Spec | None = None) -> None:
        self.workspace = workspace
        self._spec = spec

    @property
    def spec(self) -> Spec:
        """The campaign file, loaded when first needed."""
        if self._spec is None:
            self._spec = load_spec(self.workspace.spec_path)
        return self._spec

    def hold(self, operation: str, *, timeout: float = 0.0) -> StateLock:
        """The file lock of the lockfile (it never waits: a second holder on this host is refused at once)."""
        return StateLock(self.workspace.lockfile, operation=operation)

    def read(self) -> Lockfile:
        """The lockfile with its journal replayed; empty when there is none yet."""
        return lockfile.read(self.workspace.lockfile, self.spec.campaign)

    def read_existing(self) -> Lockfile | None:
        """The lockfile, or None when there is none yet."""
        return self.read() if self.workspace.lockfile.exists() else None

    def write(self, lock: Lockfile) -> Lockfile:
        """Write the lockfile atomically (its journal is then dropped)."""
        return lockfile.write(self.workspace.lockfile, lock)

    def mirror(self) -> None:
        """Nothing beyond the local journal."""
        return None

    def leases(self) -> list[Lease]:
        """Leases live in a backend only."""
        raise StateBackendError(NO_BACKEND)

    def force_unlock(self, lock_id: str) -> str:
        """Remove the file lock's record when its holder is gone."""
        removed = force_unlock(self.workspace.lockfile, lock_id)
        return f"removed the state lock of {self.workspace.lockfile.name}: {removed.describe()}"

    def pull(self) -> Lockfile:
        """Only a backend has state to pull."""
        raise StateBackendError(NO_BACKEND)

    def push(self) -> Lockfile:
        """Only a backend takes pushed state."""
        raise StateBackendError(NO_BACKEND)

    def close(self) -> None:
        """Nothing to close."""
