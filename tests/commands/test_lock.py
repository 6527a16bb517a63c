"""`campaign lock merge` and the git merge driver, on real `git merge`s of a lockfile in a temporary repository."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from runner.lock import lockfile
from runner.lock.records import JobRecord, Lockfile, dumps
from runner.vocabulary.states import JobState

KEY_A, KEY_B, KEY_C = "av-00000000000000a0", "av-00000000000000a1", "av-00000000000000a2"
ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def _record(state: JobState, tasks: tuple[str, ...] = (), videos: tuple[str, ...] = ()) -> JobRecord:
    return JobRecord(
        kind="avatar_video",
        provider="tiktok",
        state=state,
        addresses=(f"videos.promo[n={len(tasks)}]",),
        task_ids=tasks,
        video_ids=videos,
        attempts=1,
    )


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=ENV, capture_output=True, text=True, timeout=60)


def _campaign(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner", *args], cwd=repo, capture_output=True, text=True, timeout=60)


def _commit(repo: Path, lock: Lockfile, message: str) -> None:
    (repo / "skin.lock.yaml").write_text(dumps(lock), encoding="utf-8")
    _git(repo, "add", "-A")
    assert _git(repo, "commit", "-qm", message).returncode == 0


@pytest.fixture
def diverged(tmp_path: Path) -> Path:
    """main and `refresh` both applied after one base: each side holds paid ids the other does not."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "skin.yaml").write_text("version: 1\ncampaign: skin\n", encoding="utf-8")
    base = Lockfile(campaign="skin", jobs={KEY_A: _record(JobState.SUBMITTED, ("t1",))}, serial=1, lineage="L")
    _commit(repo, base, "base")
    _git(repo, "checkout", "-qb", "refresh")
    theirs = base.with_job(KEY_A, _record(JobState.SUCCEEDED, ("t1",), ("v1",)))
    theirs = replace(theirs.with_job(KEY_B, _record(JobState.SUCCEEDED, ("t2",), ("v2",))), serial=3)
    _commit(repo, theirs, "refresh round")
    _git(repo, "checkout", "-q", "main")
    _commit(repo, replace(base.with_job(KEY_C, _record(JobState.SUCCEEDED, ("t3",), ("v3",))), serial=2), "new avatar")
    return repo


def _video_ids(repo: Path) -> dict[str, tuple[str, ...]]:
    lock = lockfile.read_existing(repo / "skin.lock.yaml")
    assert lock is not None
    return {key: record.video_ids for key, record in lock.jobs.items()}


def test_a_conflicted_lockfile_is_joined_by_lock_merge(diverged: Path) -> None:
    assert _git(diverged, "merge", "-q", "refresh").returncode != 0
    assert "<<<<<<<" in (diverged / "skin.lock.yaml").read_text(encoding="utf-8")
    status = _campaign(diverged, "status", "skin.yaml")
    assert status.returncode == 1
    assert "campaign lock merge skin.yaml" in status.stderr and "restore it from git" not in status.stderr
    merged = _campaign(diverged, "lock", "merge", "skin.yaml")
    assert merged.returncode == 0, merged.stderr
    assert _video_ids(diverged) == {KEY_A: ("v1",), KEY_B: ("v2",), KEY_C: ("v3",)}
    assert _campaign(diverged, "lock", "merge", "skin.yaml").stdout.endswith("nothing to merge.\n")


def test_the_documented_merge_driver_joins_the_lockfile_during_git_merge(diverged: Path) -> None:
    (diverged / ".gitattributes").write_text("*.lock.yaml merge=campaign-lock\n", encoding="utf-8")
    driver = f"{shlex.quote(sys.executable)} -m runner lock merge-driver %O %A %B %P"
    _git(diverged, "config", "merge.campaign-lock.driver", driver)
    result = _git(diverged, "merge", "-q", "--no-edit", "refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _video_ids(diverged) == {KEY_A: ("v1",), KEY_B: ("v2",), KEY_C: ("v3",)}


def test_two_paid_videos_for_one_job_stop_both_the_driver_and_the_command(diverged: Path) -> None:
    lock = lockfile.read_existing(diverged / "skin.lock.yaml")
    assert lock is not None
    _commit(diverged, lock.with_job(KEY_B, _record(JobState.SUCCEEDED, ("t9",), ("v9",))), "paid again")
    (diverged / ".gitattributes").write_text("*.lock.yaml merge=campaign-lock\n", encoding="utf-8")
    _git(
        diverged,
        "config",
        "merge.campaign-lock.driver",
        f"{shlex.quote(sys.executable)} -m runner lock merge-driver %O %A %B %P",
    )
    result = _git(diverged, "merge", "-q", "--no-edit", "refresh")
    assert result.returncode != 0
    assert KEY_B in result.stdout + result.stderr
    before = (diverged / "skin.lock.yaml").read_text(encoding="utf-8")
    merged = _campaign(diverged, "lock", "merge", "skin.yaml")
    assert merged.returncode == 1
    assert KEY_B in merged.stderr and "v2" in merged.stderr and "v9" in merged.stderr
    assert (diverged / "skin.lock.yaml").read_text(encoding="utf-8") == before
