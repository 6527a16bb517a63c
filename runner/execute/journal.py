"""The lockfile as a write-ahead journal: changes are batched in memory and written atomically."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from runner.lock import lockfile
from runner.lock.lockfile import JobRecord, Lockfile


class Journal:
    """Holds the current lockfile; `flush()` must run before any request that depends on a change."""

    def __init__(self, path: Path, lock: Lockfile) -> None:
        self.path = path
        self.lock = lock
        self._jobs = dict(lock.jobs)
        self._dirty = False
        self.writes = 0

    def record(self, key: str) -> JobRecord | None:
        """The current record of a job."""
        return self._jobs.get(key)

    def put(self, key: str, record: JobRecord) -> None:
        """Set a job's record."""
        self._jobs[key] = record
        self._dirty = True

    def update(self, key: str, **changes: Any) -> JobRecord:
        """Change fields of an existing record."""
        record = replace(self._jobs[key], **changes)
        self.put(key, record)
        return record

    def drop(self, keys: Iterable[str]) -> None:
        """Forget records."""
        for key in keys:
            if self._jobs.pop(key, None) is not None:
                self._dirty = True

    def resolve(self, provider: str, name: str, avatar_id: str) -> None:
        """Record an avatar name's id."""
        self.lock = self.lock.with_resolution(provider, name, avatar_id)
        self._dirty = True

    def snapshot(self) -> Lockfile:
        """The lockfile as it stands in memory."""
        return replace(self.lock, jobs=dict(self._jobs))  # keeps serial, lineage and world

    def flush(self) -> None:
        """Write the lockfile atomically (fsync + rename) if anything changed."""
        if self._dirty:
            self.lock = lockfile.write(self.path, self.snapshot())
            self._dirty = False
            self.writes += 1
