"""`campaign status --refresh` is the engine in a poll-only mode: one look at each submitted job, nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.execute.engine import Providers, refresh_submitted
from runner.lock import lockfile
from runner.lock.records import JobRecord, Lockfile
from runner.providers.errors import AuthError
from runner.providers.models import AvatarTask, CreatedTask, RefreshTask, VideoInfo
from runner.vocabulary.tasks import TaskStatus
from tests.fake_clock import FakeClock


class OneLookTikTok:
    """Tasks finish on their second look; anything but a look at tasks is a mistake in poll-only mode."""

    def __init__(self) -> None:
        self.looks: dict[str, int] = {}
        self.calls: list[str] = []

    def _look(self, task_id: str) -> bool:
        self.looks[task_id] = self.looks.get(task_id, 0) + 1
        return self.looks[task_id] >= 2

    def get_avatar_tasks(self, task_ids: list[str]) -> list[AvatarTask]:
        self.calls.append("get_avatar_tasks")
        return [
            AvatarTask(t, TaskStatus.SUCCEEDED, "n", f"v-{t}", None)
            if self._look(t)
            else AvatarTask(t, TaskStatus.RUNNING, "n", None, None)
            for t in task_ids
        ]

    def get_refresh_tasks(self, task_ids: list[str]) -> list[RefreshTask]:
        self.calls.append("get_refresh_tasks")
        return [
            RefreshTask(t, TaskStatus.SUCCEEDED if self._look(t) else TaskStatus.RUNNING, f"v-{t}", "r", None)
            for t in task_ids
        ]

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]:
        raise AssertionError("poll-only sends no create")

    def list_avatar_videos(self, *, avatar_id: str | None = None, start_date: str | None = None) -> list[VideoInfo]:
        raise AssertionError("poll-only adopts nothing")

    def rename_video(self, video_id: str, name: str) -> None:
        raise AssertionError("poll-only renames nothing")

    def upload_video_by_url(self, url: str) -> str:
        raise AssertionError("poll-only uploads nothing")

    def create_refresh_task(self, video_id: str, strategies: list[str], add_hook: dict[str, str] | None) -> list[str]:
        raise AssertionError("poll-only sends no create")


def _record(kind: str, state: str, task_ids: tuple[str, ...] = ()) -> JobRecord:
    return JobRecord(kind, "tiktok", state, (f"{kind}.x",), task_ids=task_ids, attempts=1)  # type: ignore[arg-type]


def test_each_submitted_job_is_looked_at_once_and_finished_ones_are_recorded(tmp_path: Path) -> None:
    lock_path = tmp_path / "c.lock.yaml"
    lock = Lockfile(
        "c",
        jobs={
            "av-0000000000000001": _record("avatar_video", "submitted", ("t1",)),
            "rf-0000000000000002": _record("refresh_video", "submitted", ("t2", "t3", "t4", "t5")),
            "av-0000000000000003": _record("avatar_video", "pending"),  # a lost reply: poll-only leaves it
        },
    )
    lockfile.write(lock_path, lock)
    fake = OneLookTikTok()
    first = refresh_submitted(lock, lock_path, Providers({"tiktok": fake}), clock=FakeClock())
    assert fake.calls == ["get_avatar_tasks", "get_refresh_tasks"]  # one look each, nothing else
    assert first.lockfile.jobs == lock.jobs  # nothing finished at the first look
    second = refresh_submitted(first.lockfile, lock_path, Providers({"tiktok": fake}), clock=FakeClock())
    jobs: dict[str, Any] = dict(second.lockfile.jobs)
    assert jobs["av-0000000000000001"].state == "succeeded" and jobs["av-0000000000000001"].video_ids == ("v-t1",)
    assert jobs["rf-0000000000000002"].video_ids == ("v-t2", "v-t3", "v-t4", "v-t5")
    assert jobs["av-0000000000000003"].state == "pending"
    assert lockfile.read(lock_path, "c").jobs == second.lockfile.jobs  # on disk, not only in memory


class RefusingTikTok(OneLookTikTok):
    """The token is refused."""

    def get_avatar_tasks(self, task_ids: list[str]) -> list[AvatarTask]:
        raise AuthError("tiktok", "/task/get/", "40105", "token invalid", hint="set TIKTOK_ACCESS_TOKEN")


def test_a_refused_token_ends_a_poll_only_run_with_its_one_message(tmp_path: Path) -> None:
    lock_path = tmp_path / "c.lock.yaml"
    lock = Lockfile("c", jobs={"av-0000000000000001": _record("avatar_video", "submitted", ("t1",))})
    with pytest.raises(AuthError, match="TIKTOK_ACCESS_TOKEN"):
        refresh_submitted(lock, lock_path, Providers({"tiktok": RefusingTikTok()}), clock=FakeClock())
    assert lockfile.read(lock_path, "c").jobs == lock.jobs  # nothing changed, and nothing lost
