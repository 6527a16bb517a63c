"""The engine against an in-memory provider: write-ahead order, batching, failures, refresh chains, renames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.execute.engine import EngineStopped, ExecuteOptions, Providers, execute
from runner.execute.journal import MirrorLost
from runner.lock import lockfile, records
from runner.plan.make import make_plan
from runner.plan.review import reviewed
from runner.providers.errors import OutcomeUnknown, TransientError
from runner.providers.models import AvatarTask, CreatedTask, RefreshTask, VideoInfo
from runner.state.errors import StateBackendError
from runner.vocabulary.names import tagged_video_name
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

    def list_avatar_videos(self, *, avatar_id: str | None = None, start_date: str | None = None) -> list[VideoInfo]:
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
    assert result.videos_created == 4 and result.videos_paid == 6  # failed renders were paid for, made nothing
    assert not [c for c in fake.calls if c[0] in ("upload", "refresh")]


def test_lost_create_reply_is_adopted_from_the_video_list(tmp_path: Path) -> None:
    fake, result = _apply(tmp_path, {"lose_first_create": True})
    assert not result.failed
    assert sum(len(c[1]) for c in fake.calls if c[0] == "create") == 6  # nothing created twice
    assert [c for c in fake.calls if c[0] == "list"]
    adopted = [r for r in result.lockfile.jobs.values() if r.kind == "avatar_video" and not r.task_ids]
    assert len(adopted) == 5 and all(r.state == "succeeded" and r.video_ids for r in adopted)


def test_a_rename_sends_the_name_cut_as_a_create_does(tmp_path: Path) -> None:
    _apply(tmp_path)
    long = "winter-boots-campaign-for-the-northern-stores"  # 45 characters before the avatar and script
    fake, result = _apply(tmp_path, name=long)
    renames = [c[1][1] for c in fake.calls if c[0] == "rename"]
    assert len(renames) == 6
    assert all(len(name) == 50 and name[:39] == (long + "-a-s1")[:39] and name[39] == "~" for name in renames)
    assert {r.video_name for r in result.lockfile.jobs.values() if r.kind == "avatar_video"} == set(renames)


def test_rename_then_forget(tmp_path: Path) -> None:
    _apply(tmp_path)
    fake, result = _apply(tmp_path, name="w")
    renames = [c for c in fake.calls if c[0] == "rename"]
    assert len(renames) == 6 and all(c[1][1].startswith("w-") and "~" in c[1][1] for c in renames)
    assert not [c for c in fake.calls if c[0] == "create"]
    assert len(result.renamed) == 6 and result.forgotten == () and result.videos_created == 0
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
    assert len(result.forgotten) == 4 and set(result.forgotten).isdisjoint(result.lockfile.jobs)


def test_a_download_that_fails_is_in_the_result_and_the_job_stays_succeeded(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC.replace("NAME", "v"))
    planned = make_plan(spec)
    fake = FakeTikTok(planned.lock_path)
    result = execute(
        planned.plan,
        planned.lock,
        planned.lock_path,
        Providers({"tiktok": fake}),
        ExecuteOptions(parallelism=1, artifacts_dir=tmp_path / "artifacts"),
        clock=FakeClock(),
    )
    avatar_keys = {k for k, r in result.lockfile.jobs.items() if r.kind == "avatar_video"}
    assert avatar_keys and set(result.undownloaded) >= avatar_keys  # media.invalid never answers
    assert all(result.lockfile.jobs[k].state == "succeeded" for k in avatar_keys)


class _Events:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str]] = []

    def job_event(self, key: str, event: str, detail: str = "") -> None:
        self.lines.append((key, event, detail))

    def progress(self, *args: Any) -> None:
        pass


class _Troubled(FakeTikTok):
    """One create answered with a transient error, one poll failing, refresh creates paced per minute."""

    def __init__(self, lock_path: Path) -> None:
        super().__init__(lock_path)
        self.create_errors = 1
        self.poll_errors = 1
        self.pace = [12.0, 12.0, 0.0]

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]:
        if self.create_errors:
            self.create_errors -= 1
            self._call("create-refused", [])
            raise TransientError("tiktok", "create", "50002", "busy")
        return super().create_avatar_videos(packages)

    def get_avatar_tasks(self, task_ids: list[str]) -> list[AvatarTask]:
        if self.poll_errors:
            self.poll_errors -= 1
            raise TransientError("tiktok", "poll", "50000", "server error")
        return super().get_avatar_tasks(task_ids)

    def refresh_create_ready_in(self) -> float:
        return self.pace.pop(0) if self.pace else 0.0


def test_waits_say_why_back_off_poll_retry_and_the_refresh_window(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC.replace("NAME", "v"))
    planned = make_plan(spec)
    events = _Events()
    result = execute(
        planned.plan,
        planned.lock,
        planned.lock_path,
        Providers({"tiktok": _Troubled(planned.lock_path)}),
        ExecuteOptions(parallelism=1),
        clock=FakeClock(),
        reporter=events,
    )
    assert not result.failed
    said = [(event, detail) for _, event, detail in events.lines if event in ("holding", "poll failed")]
    assert any(e == "holding" and "after a transient error (1 in a row" in d for e, d in said), said
    assert any(e == "poll failed" and "server error" in d and "asked again in" in d for e, d in said), said
    assert any(e == "holding" and "5 refresh video creates a minute: the next goes in 12 s" in d for e, d in said), said
    assert sum(1 for e, d in said if "creates a minute" in d) == 1  # told once per wait, not on every look


def _apply_text(spec: Path, text: str) -> Any:
    spec.write_text(text)
    planned = make_plan(spec)
    fake = FakeTikTok(planned.lock_path)
    clock = FakeClock()
    return execute(
        planned.plan, planned.lock, planned.lock_path, Providers({"tiktok": fake}), ExecuteOptions(), clock=clock
    )


def test_the_lifetime_budget_keeps_counting_replaced_and_forgotten_videos(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    _apply_text(spec, SPEC.replace("NAME", "v"))  # 6 avatar videos and a RECOMMENDED hook's 4: 10 paid
    assert reviewed(make_plan(spec)).budget["lifetime_videos"] == 10
    # s3's two videos are forgotten, s2's two replaced by new ones (2 more paid): 12 paid in all
    changed = SPEC.replace("NAME", "v").replace("scripts: [s1, s2, s3]", "scripts: [s1, s2]")
    result = _apply_text(spec, changed.replace('s2: {text: "Two."}', 's2: {text: "Two, again."}'))
    assert not result.failed and len(result.lockfile.jobs) == 6  # 4 avatar videos, the upload, the refresh
    assert result.lockfile.retired_videos == 4
    assert lockfile.read(spec.with_name("c.lock.yaml"), "fake").retired_videos == 4  # written to the lockfile
    budget = reviewed(make_plan(spec)).budget
    assert budget["lifetime_videos"] == 12 and budget["recorded_videos"] == 12
    limited = spec.read_text() + "budget: {max_videos: 11}\n"
    spec.write_text(limited)
    over = reviewed(make_plan(spec)).budget["limits"]
    assert over == [
        {"name": "max_videos", "value": 11, "origin": over[0]["origin"], "used": 12, "over": True, "near": False}
    ]


def test_a_create_sent_with_an_older_name_tag_is_found_by_that_tag(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC.replace("NAME", "v"))
    planned = make_plan(spec)
    job = next(j for j in planned.graph.jobs.values() if j.kind == "avatar_video")
    older = tagged_video_name(job.name or job.key, job.key)  # the form names had before they carried the campaign
    assert older != job.payload.video_name  # type: ignore[union-attr]
    pending = records.JobRecord(
        "avatar_video",
        "tiktok",
        "pending",
        job.addresses,
        name=job.name,
        video_name=older,
        attempts=1,
        submitted_at=0.0,
    )
    lockfile.write(planned.lock_path, records.Lockfile("fake", {job.key: pending}))
    planned = make_plan(spec)
    fake = FakeTikTok(planned.lock_path)
    fake.tasks["t0"] = {
        "kind": "avatar",
        "video_id": "v-old",
        "video_name": older,
        "avatar_id": job.request["avatar_id"],
        "polls": 9,
    }
    result = execute(
        planned.plan, planned.lock, planned.lock_path, Providers({"tiktok": fake}), ExecuteOptions(), clock=FakeClock()
    )
    assert result.lockfile.jobs[job.key].video_ids == ("v-old",)
    assert not any(c[0] == "create" and job.key in c[1] for c in fake.calls)  # not paid again


class _BackendGoneAtTheEnd:
    """Takes every write-ahead, then fails when the run's final state is stored."""

    def __init__(self) -> None:
        self.appended = 0

    def append(self, lock: Any, changes: list[Any]) -> None:
        self.appended += 1

    def snapshot(self, lock: Any) -> None:
        raise StateBackendError("the state backend at postgresql://db failed: terminating connection")

    def fence(self) -> None:
        """The lease holds until the end."""


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
