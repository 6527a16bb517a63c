"""The summary at the end of apply: every outcome counted, videos made apart from paid, honest advice, exit codes."""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Any

import pytest

from runner.apply.summary import finished_line, report
from runner.execute.ports import ApplyResult
from runner.lock.records import JobError, JobRecord, Lockfile

FAILED, DONE = "av-00000000000000f1", "av-00000000000000d1"


def _ctx(tmp_path: Path, *, downloads: bool = False, max_retries: int = 1) -> Any:
    return types.SimpleNamespace(
        workspace=types.SimpleNamespace(lockfile=tmp_path / "c.lock.yaml"),
        downloads_to=tmp_path / "artifacts" if downloads else None,
        request=types.SimpleNamespace(fmt="text"),
        spec=types.SimpleNamespace(apply=types.SimpleNamespace(max_retries=max_retries)),
        to_stderr=False,
    )


def _result(jobs: dict[str, JobRecord], **fields: Any) -> ApplyResult:
    base: dict[str, Any] = {"succeeded": (), "failed": (), "skipped": (), "videos_created": 0, "requests": 3}
    return ApplyResult(lockfile=Lockfile(campaign="c", jobs=jobs), **{**base, **fields})


def _failed(attempts: int) -> JobRecord:
    return JobRecord(
        kind="avatar_video",
        provider="tiktok",
        state="failed",
        addresses=("videos.g[avatar=a]",),
        attempts=attempts,
        task_ids=("t1",),
        error=JobError("TASK_FAILED", "render failed"),
    )


def test_the_finished_line_counts_renames_forgets_and_waiting_jobs() -> None:
    line = finished_line(
        _result(
            {}, renamed=("a", "b"), forgotten=("c",), consent=("d",), waiting=("e",), videos_created=2, videos_paid=3
        )
    )
    assert line.startswith("Apply finished: 0 succeeded, 0 failed, 0 skipped, 2 renamed, 1 forgotten, 2 waiting;")
    assert "2 videos generated (3 paid for, failed renders included), 3 requests." in line


@pytest.mark.parametrize(("attempts", "advised"), [(1, True), (2, False)])
def test_apply_again_is_advised_only_while_retries_are_left(
    attempts: int, advised: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = report(_ctx(tmp_path, max_retries=1), _result({FAILED: _failed(attempts)}, failed=(FAILED,)))
    assert code == 1
    assert ("Run apply again to retry" in capsys.readouterr().err) is advised


def test_a_download_that_failed_exits_1_and_names_the_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = JobRecord(
        kind="avatar_video",
        provider="tiktok",
        state="succeeded",
        addresses=("videos.g[avatar=a]",),
        task_ids=("t1",),
        video_ids=("v1",),
    )
    failed = _result({DONE: done}, succeeded=(DONE,), videos_created=1, undownloaded={DONE: "ConnectError"})
    assert report(_ctx(tmp_path, downloads=True), failed) == 1
    assert f"not downloaded {DONE}: ConnectError; run apply again" in capsys.readouterr().err
    assert report(_ctx(tmp_path, downloads=True), _result({DONE: done}, succeeded=(DONE,), videos_created=1)) == 0


def test_a_digital_twin_that_got_ready_is_not_counted_as_a_video_job() -> None:
    twin = JobRecord(kind="heygen_avatar", provider="heygen", state="succeeded", addresses=("avatars.founder",))
    line = finished_line(_result({"ha-00000000000000a1": twin}, succeeded=("ha-00000000000000a1",)))
    assert line.startswith("Apply finished: 0 succeeded, 0 failed, 0 skipped, 1 digital twin ready;")


def test_the_request_count_includes_the_scan_for_videos_a_stale_lockfile_missed(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("scan", 1, 2) + "apply: {download: false}\n")
    done = kit.run(kit.apply_command(spec), sb.env())
    assert done.returncode == 0, done.stderr
    assert "looking in the account for 2 videos about to be paid for" in done.stderr
    counted = int(done.stdout.split("videos generated, ")[1].split(" request")[0])
    assert counted == sb.stats()["requests_total"]  # the video list before the creates is counted too


def test_a_rollout_counts_each_request_once(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    """Requests sent before the first wave (the account scan) are counted once, not again by every later wave."""
    sb = sandbox_factory()
    rollout = 'rollout: {waves: [1, "100%"]}\napply: {download: false}\n'
    spec = write_campaign(kit.campaign_text("waves", 1, 3) + rollout)
    done = kit.run(kit.apply_command(spec), sb.env())
    assert done.returncode == 0, done.stderr
    assert "Rollout wave 2 of 2" in done.stderr
    counted = re.search(r"generated, (\d+) requests", done.stdout)
    assert counted is not None and int(counted[1]) == sb.stats()["requests_total"]
