"""One outcome rule per kind: when the provider's task states finish a job, and how.

Shared by the engine and `campaign status --refresh`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner.providers.models import AvatarTask, RefreshTask
from runner.vocabulary.errors import ErrorCode
from runner.vocabulary.tasks import RenderResult, TaskStatus


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished job: its videos (with fresh URLs when known) and, when it failed, why."""

    video_ids: tuple[str, ...]
    urls: tuple[tuple[str, str], ...]  # (video id, signed URL): downloaded at once, never stored
    error_code: str | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        """True when every task made its video."""
        return self.error_code is None


UNFINISHED = (TaskStatus.QUEUED, TaskStatus.RUNNING)  # a TikTok task in any other status has ended


def avatar_outcome(task: AvatarTask | None) -> Outcome | None:
    """None while the task runs (or the reply left it out)."""
    if task is None or task.status in UNFINISHED:
        return None
    if task.status is TaskStatus.SUCCEEDED and task.video_id:
        return Outcome((task.video_id,), ((task.video_id, task.preview_url),) if task.preview_url else ())
    return Outcome((), (), "TASK_FAILED", task.error or "the avatar video task failed")


def refresh_outcome(tasks: list[RefreshTask | None]) -> Outcome | None:
    """All of a refresh job's tasks must have finished; the videos of those that succeeded are kept either way."""
    if not tasks or any(t is None or t.status in UNFINISHED for t in tasks):
        return None
    finished = [t for t in tasks if t is not None]
    made = [t for t in finished if t.status is TaskStatus.SUCCEEDED and t.video_id]
    ids = tuple(str(t.video_id) for t in made)
    urls = tuple((str(t.video_id), t.preview_url) for t in made if t.preview_url)
    if len(made) == len(finished):
        return Outcome(ids, urls)
    errors = "; ".join(t.error or "task failed" for t in finished if t not in made)
    return Outcome(ids, urls, "TASK_FAILED", errors)


def render_outcome(result: RenderResult) -> Outcome | None:
    """None while the render runs (or its status is a word the client does not know)."""
    if result.status == TaskStatus.SUCCEEDED:
        video_id = result.video_id or result.render_id
        return Outcome((video_id,), ((video_id, result.url),) if result.url else ())
    if result.status == TaskStatus.FAILED:
        code = f" ({result.error_code})" if result.error_code else ""
        return Outcome((), (), ErrorCode.RENDER_FAILED, result.error or f"the render failed{code}")
    return None
