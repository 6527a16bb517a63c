"""One state store that every command reads and writes through, chosen once from the environment.

Without CAMPAIGN_STATE_URL the checkout's lockfile is the state (`LocalStore`); with it, PostgreSQL
keeps state, journal and leases, and the checkout's lockfile is still written for review
(`PostgresStore`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol

from runner.campaignfile.model import Spec
from runner.lock.records import JobRecord, Lockfile
from runner.plan.expand import load_checked
from runner.plan.make import Planned, plan_for
from runner.state.backend import state_backend_from_env
from runner.state.local import LocalStore
from runner.workspace import Workspace

if TYPE_CHECKING:
    from runner.state.lease import Lease


class JournalMirror(Protocol):
    """Where the engine's journal is mirrored, committed before each request (runner.execute.journal.Mirror)."""

    def append(self, lock: Lockfile, changes: list[tuple[str, JobRecord | None]]) -> None:
        """Commit these changes before the requests they guard."""

    def snapshot(self, lock: Lockfile) -> None:
        """Store the whole state (at compaction)."""

    def fence(self) -> None:
        """Raise when this runner may no longer send paid requests (its lease may have lapsed)."""


class StateStore(Protocol):
    """A campaign's state: held by one runner at a time, read, written, and mirrored from the engine's journal."""

    @property
    def workspace(self) -> Workspace:
        """The campaign's files; the checkout's lockfile is always one of them."""

    @property
    def shared(self) -> bool:
        """Whether several runners share this state (a backend), rather than one checkout."""

    def hold(self, operation: str, *, timeout: float = 0.0) -> AbstractContextManager[object]:
        """Hold the state for `operation` (the file lock; with a backend also its lease, waiting up to `timeout`)."""

    def read(self) -> Lockfile:
        """The state (empty when there is none yet)."""

    def read_existing(self) -> Lockfile | None:
        """The state, or None when nothing has been recorded yet."""

    def write(self, lock: Lockfile) -> Lockfile:
        """Record the whole state (and the checkout's lockfile); return it as written."""

    def mirror(self) -> JournalMirror | None:
        """Where the engine mirrors its journal (None: the local journal is the whole story)."""

    def leases(self) -> list[Lease]:
        """The leases on this campaign (a backend's; an error without one)."""

    def force_unlock(self, lock_id: str) -> str:
        """Remove the lock `lock_id` whose holder is gone; say what was removed."""

    def pull(self) -> Lockfile:
        """Write the checkout's lockfile from the shared state; return it."""

    def push(self) -> Lockfile:
        """Seed the shared state from the checkout's lockfile; return what was pushed."""

    def close(self) -> None:
        """Let go of connections."""


def open_store(workspace: Workspace, spec: Spec | None = None, environ: Mapping[str, str] | None = None) -> StateStore:
    """The store CAMPAIGN_STATE_URL chooses: PostgreSQL when set (unreachable: an error now), else the lockfile.

    `spec` is the loaded campaign file when the caller has it; a store loads it when it needs it.
    """
    backend = state_backend_from_env(environ)
    if backend is None:
        return LocalStore(workspace, spec)
    from runner.state.shared import PostgresStore  # psycopg only when a backend is asked for

    return PostgresStore(backend, workspace, spec, environ)


@contextmanager
def state_store(
    workspace: Workspace, spec: Spec | None = None, environ: Mapping[str, str] | None = None
) -> Iterator[StateStore]:
    """`open_store`, closed at the end of the block."""
    store = open_store(workspace, spec, environ)
    try:
        yield store
    finally:
        store.close()


def planned_from_state(workspace: Workspace) -> Planned:
    """Load and check the spec, read its state from the store, and plan; no provider is asked anything."""
    spec = load_checked(workspace.spec_path)
    with state_store(workspace, spec) as store:
        lock = store.read()
    return plan_for(spec, lock, workspace.lockfile)
