"""A provider task's status, as every client reports it (each maps its provider's own words to these), and a render's reply."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class RenderResult:
    """A render as its provider reports it: where it stands and, once finished, its video or why it failed."""

    render_id: str
    status: TaskStatus
    video_id: str | None = None
    url: str | None = None  # a signed URL of the finished video (never stored)
    error_code: str | None = None  # the provider's own code, when it gives one
    error: str | None = None
    title: str | None = None  # the title it was created with (carries the job's tag and attempt)
