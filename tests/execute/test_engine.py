"""The engine against an in-memory provider: write-ahead order, batching, failures, refresh chains, renames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.execute.engine import EngineStopped, ExecuteOptions, Providers, execute
from runner.execute.journal import MirrorLost
from runner.lock import lockfile, records
from runner.plan.make import make_plan
from runner.providers.errors import OutcomeUnknown
from runner.providers.models import AvatarTask, CreatedTask, RefreshTask, VideoInfo
from runner.state.errors import StateBackendError
from runner.vocabulary.tasks import TaskStatus
from tests.fake_clock import FakeClock


class FakeTikTok:
    """Tasks finish on the second poll; every call snapshots the lockfile on disk first."""

    def __init__(self, lock_path: Path, fail_scripts: tuple[str, ...] = (), lose_first_create: bool = False) -> None:
        self.lock_path = lock_path
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        self.fail_scripts = fail_scripts
        self.lose_first_create = lose_first_create
        self.request_count = 0
        self.seq = 0

    def _call(self, name: str, arg: Any) -> None:
        self.request_count += 1
        disk = lockfile.read(self.lock_path, "fake").jobs  # the lockfile with its write-ahead log replayed
        self.calls.append((name, arg, {k: (r.state, r.task_ids) for k, r in disk.items()}))

    def _new(self, **task: Any) -> str:
        self.seq += 1
        task_id = f"t{self.seq}"
        self.tasks[task_id] = {"polls": 0, "video_id": f"v{self.seq}", **task}
        return task_id

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]:
        self._call("create", [p["package_id"] for p in packages])
        created = [CreatedTask(self._new(kind="avatar", **p), p["package_id"], None) for p in packages]
        if self.lose_first_create:
            self.lose_first_create = False
            raise OutcomeUnknown("tiktok", "create", "NO_REPLY", "lost")
        return created

    def _status(self, task_id: str) -> TaskStatus:
        task = self.tasks[task_id]
        task["polls"] += 1
        if task["polls"] < 2:
            return TaskStatus.RUNNING
        return TaskStatus.FAILED if task.get("script") in self.fail_scripts else TaskStatus.SUCCEEDED

    def get_avatar_tasks(self, task_ids: list[str]) -> list[AvatarTask]:
        self._call("poll", list(task_ids))
        assert len(task_ids) <= 5
        out = []
        for t in task_ids:
            status = self._status(t)
            done = status == TaskStatus.SUCCEEDED
            out.append(
                AvatarTask(
                    t,
                    status,
                    self.tasks[t]["video_name"],
                    self.tasks[t]["video_id"] if done else None,
                    f"http://media.invalid/{t}.mp4" if done else None,
                    "bad" if status == TaskStatus.FAILED else None,
                )
            )
        return out

    def list_avatar_videos(self, *, avatar_id: str | None = None) -> list[VideoInfo]:
        self._call("list", avatar_id)
        return [
            VideoInfo(
                t["video_id"],
                t["video_name"],
                "2026-01-01 00:00:00",
                f"http://media.invalid/{t['video_id']}.mp4",
                t["avatar_id"],
            )
            for t in self.tasks.values()
            if t["kind"] == "avatar" and avatar_id in (None, t["avatar_id"])
        ]

    def rename_video(self, video_id: str, name: str) -> None:
        self._call("rename", (video_id, name))

    def upload_video_by_url(self, url: str) -> str:
        self._call("upload", url)
        return "stock-" + url.rsplit("/", 1)[-1]

    def create_refresh_task(self, video_id: str, strategies: list[str], add_hook: dict[str, str] | None) -> list[str]:
        self._call("refresh", video_id)
        count = 4 if add_hook and add_hook.get("hook_type") == "RECOMMENDED" else 1
        return [self._new(kind="refresh", video_name="refresh_video-x") for _ in range(count)]

    def get_refresh_tasks(self, task_ids: list[str]) -> list[RefreshTask]:
        self._call("refresh_poll", list(task_ids))
        return [
            RefreshTask(t, s, self.tasks[t]["video_id"] if s == TaskStatus.SUCCEEDED else None, "refresh_video-x", None)
            for t in task_ids
            for s in [self._status(t)]
        ]


SPEC = """version: 1
campaign: fake
avatars: {a: {id: "1"}, b: {id: "2"}}
scripts: {s1: {text: "One."}, s2: {text: "Two."}, s3: {text: "Three."}}
videos:
  - id: g
    avatars: [a, b]
    scripts: [s1, s2, s3]
    name: "NAME-{{ avatar }}-{{ script }}"
refresh:
  - id: r
    source: {from: g, where: {avatar: a, script: s1}}
    strategies: [ADD_HOOK]
    hook: {type: RECOMMENDED, product_category: GAMES}
"""


def _apply(tmp_path: Path, fake_kwargs: dict[str, Any] | None = None, name: str = "v") -> tuple[FakeTikTok, Any]:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC.replace("NAME", name))
    planned = make_plan(spec)
    fake = FakeTikTok(planned.lock_path, **(fake_kwargs or {}))
    result = execute(
        planned.plan,
        planned.lock,
        planned.lock_path,
        Providers({"tiktok": fake}),
        ExecuteOptions(parallelism=1),
        clock=FakeClock(),
    )
    return fake, result


def test_write_ahead_pending_before_create_and_task_ids_before_poll(tmp_path: Path) -> None:
    fake, result = _apply(tmp_path)
    creates = [c for c in fake.calls if c[0] == "create"]
    assert [len(c[1]) for c in creates] == [5, 1]  # batched: at most 5 packages per call
    for _, keys, disk in creates:
        assert all(disk[k][0] == "pending" for k in keys)  # recorded before the request was sent
    first_poll = next(c for c in fake.calls if c[0] == "poll")
    on_disk = {tid for state, tids in first_poll[2].values() for tid in tids}
    assert set(first_poll[1]) <= on_disk  # every polled task id was on disk before the poll
    assert not result.failed and len(result.succeeded) == 8


def test_recommended_hook_records_4_videos_and_refresh_chain_order(tmp_path: Path) -> None:
    fake, result = _apply(tmp_path)
    refresh = next(r for k, r in result.lockfile.jobs.items() if k.startswith("rf-"))
    assert len(refresh.video_ids) == 4 and len(refresh.task_ids) == 4
    names = [c[0] for c in fake.calls]
    assert names.index("upload") < names.index("refresh")
    upload_call = next(c for c in fake.calls if c[0] == "upload")
    assert upload_call[1].startswith("http://media.invalid/")  # the fresh preview URL of the source video
    assert "media.invalid" not in records.dumps(result.lockfile)  # signed URLs are never stored


def test_failed_task_is_recorded_and_its_dependents_skipped(tmp_path: Path) -> None:
    fake, result = _apply(tmp_path, {"fail_scripts": ("One.",)})
    assert len(result.failed) == 2
    failed = [result.lockfile.jobs[k] for k in result.failed]
    assert all(r.error is not None and r.error.code == "TASK_FAILED" for r in failed)
    assert len(result.skipped) == 2  # the upload and the refresh of the failed source
    assert not [c for c in fake.calls if c[0] in ("upload", "refresh")]


def test_lost_create_reply_is_adopted_from_the_video_list(tmp_path: Path) -> None:
    fake, result = _apply(tmp_path, {"lose_first_create": True})
    assert not result.failed
    assert sum(len(c[1]) for c in fake.calls if c[0] == "create") == 6  # nothing created twice
    assert [c for c in fake.calls if c[0] == "list"]
    adopted = [r for r in result.lockfile.jobs.values() if r.kind == "avatar_video" and not r.task_ids]
    assert len(adopted) == 5 and all(r.state == "succeeded" and r.video_ids for r in adopted)


def test_rename_then_forget(tmp_path: Path) -> None:
    _apply(tmp_path)
    fake, result = _apply(tmp_path, name="w")
    renames = [c for c in fake.calls if c[0] == "rename"]
    assert len(renames) == 6 and all(c[1][1].startswith("w-") and "~" in c[1][1] for c in renames)
    assert not [c for c in fake.calls if c[0] == "create"]
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC.replace("NAME", "w").replace("scripts: [s1, s2, s3]", "scripts: [s1]"))
    planned = make_plan(spec)
    assert planned.plan.counts["forget"] == 4
    result = execute(
        planned.plan,
        planned.lock,
        planned.lock_path,
        Providers({"tiktok": FakeTikTok(planned.lock_path)}),
        ExecuteOptions(),
        clock=FakeClock(),
    )
    assert len(result.lockfile.jobs) == 4
    assert len(lockfile.read(planned.lock_path, "fake").jobs) == 4


class _BackendGoneAtTheEnd:
    """Takes every write-ahead, then fails when the run's final state is stored."""

    def __init__(self) -> None:
        self.appended = 0

    def append(self, lock: Any, changes: list[Any]) -> None:
        self.appended += 1

    def snapshot(self, lock: Any) -> None:
        raise StateBackendError("the state backend at postgresql://db failed: terminating connection")


def test_a_backend_failing_at_the_last_write_stops_the_run_and_the_checkout_keeps_everything(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC.replace("NAME", "v"))
    planned = make_plan(spec)
    mirror = _BackendGoneAtTheEnd()
    fake = FakeTikTok(planned.lock_path)
    with pytest.raises(EngineStopped) as stopped:
        execute(
            planned.plan,
            planned.lock,
            planned.lock_path,
            Providers({"tiktok": fake}),
            ExecuteOptions(parallelism=1),
            clock=FakeClock(),
            mirror=mirror,
        )
    assert isinstance(stopped.value.cause, MirrorLost) and mirror.appended > 0
    kept = lockfile.read(planned.lock_path, "fake")
    assert len(kept.jobs) == 8 and all(r.state == "succeeded" for r in kept.jobs.values())
