"""Whether the videos a lockfile records are still at their provider: read-only look-ups for `campaign drift`.

Each kind's entry names one of these (`KindSpec.presence`); each asks only about the ids the records hold, in
batches of the kind's status request, through the client's rate limits. None of them creates anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from runner.lock.records import JobRecord
from runner.providers.errors import PermanentError
from runner.vocabulary.tasks import TaskStatus

GONE = "gone"  # the provider no longer knows the task or video
REJECTED = "rejected"  # the provider says it failed (its review, or its render)


class _Task(Protocol):
    task_id: str
    status: TaskStatus
    error: str | None


Missing = dict[str, tuple[str, str]]  # job key -> (GONE or REJECTED, the provider's words)


def _batches(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), max(size, 1)):
        yield list(ids[start : start + max(size, 1)])


def _by_tasks(records: Mapping[str, JobRecord], batch: int, get: Callable[[list[str]], Sequence[_Task]]) -> Missing:
    """Ask for every recorded task id, `batch` at a time; a task left out of the reply is gone."""
    owner = {task: key for key, record in records.items() for task in record.task_ids}
    seen: dict[str, _Task] = {}
    for ids in _batches(sorted(owner), batch):
        seen.update((t.task_id, t) for t in get(ids))
    missing: Missing = {}
    for task, key in sorted(owner.items()):
        found = seen.get(task)
        if found is None:
            missing.setdefault(key, (GONE, f"task {task} is unknown to the provider"))
        elif found.status == TaskStatus.FAILED:
            missing.setdefault(key, (REJECTED, found.error or f"task {task} failed"))
    return missing


def avatar_tasks(client: Any, records: Mapping[str, JobRecord], batch: int) -> Missing:
    """Avatar-video jobs whose tasks the provider forgot or failed."""
    return _by_tasks(records, batch, client.get_avatar_tasks)


def refresh_tasks(client: Any, records: Mapping[str, JobRecord], batch: int) -> Missing:
    """Refresh jobs whose tasks the provider forgot or failed."""
    return _by_tasks(records, batch, client.get_refresh_tasks)


def renders(client: Any, records: Mapping[str, JobRecord], batch: int) -> Missing:
    """Render jobs whose videos the provider no longer has (404) or reports failed."""
    missing: Missing = {}
    for key, record in sorted(records.items()):
        for video_id in record.video_ids:
            try:
                found = client.get_render(video_id)
            except PermanentError as exc:
                if exc.http_status != 404:
                    raise
                missing[key] = (GONE, f"video {video_id} is unknown to the provider")
                break
            if found.status == TaskStatus.FAILED:
                missing[key] = (REJECTED, found.error or f"video {video_id} failed")
                break
    return missing
