"""The apply command's parts without a server: notices, progress lines, the JSON summary."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from runner.apply.notices import DOWNLOAD_NOTICE, UPLOAD_NOTICE, acknowledge
from runner.apply.progress import LogReporter
from runner.apply.summary import json_summary
from runner.errors import NoticeNotAcknowledged
from runner.execute.engine import ApplyResult
from runner.lock.records import JobError, JobRecord, Lockfile


def test_notices_are_the_providers_words() -> None:
    assert UPLOAD_NOTICE.startswith("By uploading assets, you confirm that you have the necessary legal rights")
    assert UPLOAD_NOTICE.endswith("violate TikTok's Ad Policies or Community Guidelines.")
    assert DOWNLOAD_NOTICE.startswith("If you choose to download and edit any output")
    assert DOWNLOAD_NOTICE.endswith("will not intentionally remove or modify any watermarks contained therein.")


def test_acknowledged_notices_are_still_printed(capsys: pytest.CaptureFixture[str]) -> None:
    acknowledge(["upload", "download"], accepted=True, interactive=False)
    err = capsys.readouterr().err
    assert UPLOAD_NOTICE in err and DOWNLOAD_NOTICE in err and err.count("acknowledged") == 2


def test_without_a_terminal_a_notice_needs_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NoticeNotAcknowledged, match="--accept-notices.*accept_notices: true.*Nothing was done"):
        acknowledge(["download"], accepted=False, interactive=False)
    assert DOWNLOAD_NOTICE in capsys.readouterr().err


def test_on_a_terminal_refusing_a_notice_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([True, False])
    monkeypatch.setattr(click, "confirm", lambda *a, **k: next(answers))
    with pytest.raises(NoticeNotAcknowledged, match="download notice was not accepted"):
        acknowledge(["upload", "download"], accepted=False, interactive=True)


def test_no_notice_no_question(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(click, "confirm", lambda *a, **k: pytest.fail("asked"))
    acknowledge([], accepted=False, interactive=True)
    assert capsys.readouterr().err == ""


def test_log_lines_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = LogReporter(live=False)
    reporter.job_event("av-1", "created", "task 123")
    reporter.progress(1, 2, 0, 4, 30.0)
    reporter.progress(2, 1, 0, 4, 20.0)  # within 5 s of the previous line: not repeated in logs
    reporter.finish()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "created av-1: task 123\n[1/4 done, 2 in flight, 0 failed, ETA ~30s]\n"


def test_live_line_is_rewritten_in_place(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = LogReporter(live=True)
    reporter.progress(1, 1, 0, 2, None)
    reporter.progress(2, 0, 0, 2, None)
    reporter.finish()
    err = capsys.readouterr().err  # click drops the erase-line code when stderr is not a terminal
    assert err.count("\r") == 3 and "[2/2 done, 0 in flight, 0 failed]" in err and "\n" not in err


def test_json_summary_names_failed_jobs_with_reasons(tmp_path: Path) -> None:
    failed = JobRecord(
        "avatar_video", "tiktok", "failed", ("videos.promo[a0,s0]",), error=JobError("TASK_FAILED", "render error")
    )
    ok = JobRecord("avatar_video", "tiktok", "succeeded", ("videos.promo[a0,s1]",), video_ids=("9",))
    lock = Lockfile(campaign="c", jobs={"av-f": failed, "av-o": ok})
    result = ApplyResult(lock, succeeded=("av-o",), failed=("av-f",), skipped=(), videos_created=2, requests=7)
    summary = json_summary(result, tmp_path / "c.lock.yaml")
    assert summary["counts"] == {"succeeded": 1, "failed": 1, "skipped": 0}
    assert summary["failed_jobs"] == {
        "av-f": {"addresses": ["videos.promo[a0,s0]"], "error": "TASK_FAILED: render error"}
    }
    assert summary["videos_created"] == 2 and summary["requests"] == 7
    empty = json_summary(None, tmp_path / "c.lock.yaml")
    assert empty["counts"] == {"succeeded": 0, "failed": 0, "skipped": 0} and empty["requests"] == 0
