"""The engine's view of the lockfile: changes kept in memory, appended to the write-ahead log on flush."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from runner.lock import lockfile, wal
from runner.lock.records import JobRecord, Lockfile
from runner.providers.errors import RunStopped
from runner.state.errors import StateBackendError
from runner.workspace import journal_for

COMPACT_MIN_BYTES = 256 * 1024


class Mirror(Protocol):
    """A shared state backend that keeps what the journal keeps (runner/state)."""

    def append(self, lock: Lockfile, changes: list[tuple[str, JobRecord | None]]) -> None:
        """Commit these changes before the requests they guard."""

    def snapshot(self, lock: Lockfile) -> None:
        """Store the whole state (at compaction)."""

    def fence(self) -> None:
        """Raise when this runner may no longer send paid requests (its lease may have lapsed)."""


class MirrorLost(RunStopped):
    """The state backend failed: no request goes out any more; what arrives is journaled locally."""

    def __init__(self, reason: str) -> None:
        super().__init__("state", "backend", "UNAVAILABLE", reason)

    def describe(self) -> str:
        """The backend's failure, and where what is known was kept."""
        return (
            f"{self.message.rstrip('.')}. Replies that arrived are recorded in the checkout's lockfile and journal "
            "(.campaign/); the next apply merges them into the backend's state before it goes on"
        )


class Journal:
    """Holds the current lockfile; `flush()` must run before any request that depends on a change.

    A flush appends only the records that changed, so its cost does not grow with the lockfile;
    the journal is compacted into the lockfile when it outgrows it (amortised linear) and at the end.
    """

    def __init__(self, path: Path, lock: Lockfile, mirror: Mirror | None = None) -> None:
        self.path = path
        self.lock = lock
        self.mirror = mirror  # a shared state backend: written after the local journal, before any request
        self.log_path = journal_for(path)
        self._jobs = dict(lock.jobs)
        self._changed: dict[str, None] = {}
        self._resolutions: list[tuple[str, str, str]] = []
        self._retired_changed = False
        self.bytes_appended = 0
        self._log_bytes = 0
        self._compact_at = COMPACT_MIN_BYTES

    def record(self, key: str) -> JobRecord | None:
        """The current record of a job."""
        return self._jobs.get(key)

    def put(self, key: str, record: JobRecord | None) -> None:
        """Set (or with None, drop) a job's record."""
        if record is None:
            self._jobs.pop(key, None)
        else:
            self._jobs[key] = record
        self._changed[key] = None

    def update(self, key: str, **changes: Any) -> JobRecord:
        """Change fields of an existing record."""
        record = replace(self._jobs[key], **changes)
        self.put(key, record)
        return record

    def drop(self, keys: Iterable[str]) -> None:
        """Forget records."""
        for key in keys:
            if key in self._jobs:
                self.put(key, None)

    def retire(self, videos: int) -> None:
        """Count paid videos whose records are replaced or forgotten: the lockfile keeps them for the lifetime budget."""
        if videos > 0:
            self.lock = replace(self.lock, retired_videos=self.lock.retired_videos + videos)
            self._retired_changed = True

    def resolve(self, provider: str, name: str, avatar_id: str) -> None:
        """Record an avatar name's id."""
        self.lock = self.lock.with_resolution(provider, name, avatar_id)
        self._resolutions.append((provider, name, avatar_id))

    def fence(self) -> None:
        """Right before a paid request is sent: raise when this runner may no longer send (a shared backend's lease)."""
        if self.mirror is not None:
            self.mirror.fence()

    def snapshot(self) -> Lockfile:
        """The lockfile as it stands in memory."""
        return replace(self.lock, jobs=dict(self._jobs))  # keeps serial, lineage and world

    def flush(self) -> None:
        """Append every change since the last flush to the write-ahead log, durably."""
        if not self._changed and not self._resolutions and not self._retired_changed:
            return
        campaign = self.lock.campaign
        lines: list[dict[str, Any]] = [{"resolved": list(r)} for r in self._resolutions]
        if self._retired_changed:
            lines.append({"retired": self.lock.retired_videos})
        lines += [wal.record_line(campaign, key, self._jobs.get(key)) for key in self._changed]
        written = wal.append(self.log_path, lines)
        changes = [(key, self._jobs.get(key)) for key in self._changed]
        self._changed.clear()
        self._resolutions.clear()
        self._retired_changed = False
        self.bytes_appended += written
        self._log_bytes += written
        self._mirror(lambda mirror: mirror.append(self.lock, changes))
        if self._log_bytes > self._compact_at:
            self.compact()

    def _mirror(self, send: Callable[[Mirror], None]) -> None:
        """Send to the backend; when it fails, the local journal goes on alone and the run stops (MirrorLost)."""
        if self.mirror is None:
            return
        try:
            send(self.mirror)
        except StateBackendError as exc:
            self.mirror = None  # replies still arriving are recorded here; the next apply merges them in
            raise MirrorLost(str(exc)) from None

    def compact(self) -> None:
        """Write the lockfile whole and drop the log (after a flush)."""
        self._changed.clear()  # the whole snapshot is written
        self._resolutions.clear()
        self._retired_changed = False
        self.lock = lockfile.write(self.path, self.snapshot())  # counts the serial; drops the log
        self._log_bytes = 0
        self._compact_at = max(COMPACT_MIN_BYTES, 2 * self.path.stat().st_size)
        written = self.lock
        self._mirror(lambda mirror: mirror.snapshot(written))
