"""A provider task's status, as every client reports it (each maps its provider's own words to these)."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """Where a provider's task (a render, a refresh, a twin's training) stands."""

    QUEUED = "queued"  # accepted, not started
    RUNNING = "running"  # being made
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = (
        "unknown"  # a word the client does not know: each outcome rule says what it means (runner/execute/outcome.py)
    )

    @property
    def finished(self) -> bool:
        """True once the task will not change any more."""
        return self in (TaskStatus.SUCCEEDED, TaskStatus.FAILED)
