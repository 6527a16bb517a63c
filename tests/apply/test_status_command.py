"""`campaign status`: the lockfile's jobs, totals, exit 1 on a failed job; `--refresh` records finished tasks."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from runner.lock import lockfile
from runner.lock.records import JobError, JobRecord, Lockfile
from runner.providers.config import settings_from_env
from runner.providers.heygen import HeyGenClient
from runner.providers.tiktok import TikTokClient
from runner.vocabulary.tasks import TaskStatus

SPEC = """version: 1
campaign: st
avatars:
  a0: {id: "7295705233773068290"}
scripts:
  s0: {text: "Hello."}
videos:
  - id: promo
    avatars: [a0]
    scripts: [s0]
"""


def status(kit: Any, spec: Path, env: dict[str, str], *extra: str) -> Any:
    return kit.run([*kit.apply_command(spec)[:3], "status", str(spec), *extra], env)


def test_refresh_records_a_finished_task_under_the_state_lock(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(SPEC)
    client = TikTokClient(settings_from_env(sb.env()))
    try:
        [task] = client.create_avatar_videos(
            [{"avatar_id": "7295705233773068290", "script": "Hello.", "video_name": "st-1"}]
        )
        assert task.task_id
        deadline = time.monotonic() + 30
        while client.get_avatar_tasks([task.task_id])[0].status != TaskStatus.SUCCEEDED:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        client.close()
    record = JobRecord(
        "avatar_video", "tiktok", "submitted", ("videos.promo[a0,s0]",), task_ids=(task.task_id,), attempts=1
    )
    lock_path = spec.with_name("c.lock.yaml")
    lockfile.write(lock_path, Lockfile(campaign="st", jobs={"av-0000000000000001": record}))
    plain = status(kit, spec, sb.env(), "--format", "json")
    assert plain.returncode == 0 and json.loads(plain.stdout)["counts"]["submitted"] == 1
    requests = sb.stats()["requests_total"]
    refreshed = status(kit, spec, sb.env(), "--refresh", "--format", "json")
    assert refreshed.returncode == 0, refreshed.stderr
    [job] = json.loads(refreshed.stdout)["jobs"]
    assert job["state"] == "succeeded" and len(job["video_ids"]) == 1 and job["artifacts"] == "0/1"
    assert sb.stats()["requests_total"] == requests + 1
    assert lockfile.read(lock_path, "st").jobs["av-0000000000000001"].state == "succeeded"


def test_a_failed_job_is_shown_with_its_reason_and_exits_1(write_campaign: Any, kit: Any) -> None:
    spec = write_campaign(SPEC)
    record = JobRecord(
        "avatar_video",
        "tiktok",
        "failed",
        ("videos.promo[a0,s0]",),
        attempts=1,
        error=JobError("TASK_FAILED", "the avatar could not say this script"),
    )
    lockfile.write(spec.with_name("c.lock.yaml"), Lockfile(campaign="st", jobs={"av-0000000000000002": record}))
    result = status(kit, spec, {})
    assert result.returncode == 1
    assert (
        "failed     av-0000000000000002" in result.stdout
        and "error: TASK_FAILED: the avatar could not say this script" in result.stdout
    )
    assert "1 job: 0 succeeded, 0 submitted, 0 pending, 1 failed" in result.stdout


def test_no_lockfile_yet_is_zero_jobs(write_campaign: Any, kit: Any) -> None:
    spec = write_campaign(SPEC)
    result = status(kit, spec, {})
    assert result.returncode == 0 and result.stdout.startswith("0 jobs:")


def test_refresh_records_a_finished_heygen_render(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory(speed=0.002)
    spec = write_campaign(SPEC)
    heygen = HeyGenClient(settings_from_env(sb.env()))
    try:
        look = heygen.list_looks()[0]
        video_id = heygen.create_video(
            avatar_id=look.id,
            script="Hello.",
            voice_id="voice_0001",
            aspect_ratio="1:1",
            idempotency_key="hg-0000000000000003",
        )
        deadline = time.monotonic() + 30
        while heygen.get_video(video_id).status != TaskStatus.SUCCEEDED:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        heygen.close()
    record = JobRecord(
        "heygen_video", "heygen", "submitted", ("videos.promo[a0,s0]",), task_ids=(video_id,), attempts=1
    )
    lock_path = spec.with_name("c.lock.yaml")
    lockfile.write(lock_path, Lockfile(campaign="st", jobs={"hg-0000000000000003": record}))
    refreshed = status(kit, spec, sb.env(), "--refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    assert lockfile.read(lock_path, "st").jobs["hg-0000000000000003"].video_ids == (video_id,)
    assert "1 succeeded" in refreshed.stdout
