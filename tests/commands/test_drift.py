"""`campaign drift` after a real apply against a sandbox that is then restarted without its account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runner.lock import lockfile
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

CREATES = ("avatar_videos_created", "refresh_tasks_created", "uploads", "heygen_videos_created")


def _expiring(cli: Any, name: str, expires: str) -> str:
    return cli.spec(name).replace("    name: ", f"    expires: {expires}\n    name: ", 1)


def test_drift_finds_lost_altered_expired_and_forgotten_videos_and_creates_nothing(cli: Any, tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(_expiring(cli, "drifting", "2020-01-01"))
    first = SandboxServer(SandboxConfig(speed=0.01, seed=1)).start()
    try:
        applied = cli.apply(first.env(), spec)
        assert applied.returncode == 0, applied.stderr
        in_sync = cli.campaign(first.env(), "drift", str(spec), "--detailed-exitcode", "--format", "json")
    finally:
        first.stop()
    report = json.loads(in_sync.stdout)
    assert in_sync.returncode == 2, in_sync.stderr  # only the expiry so far
    assert {f["reason"] for f in report["findings"]} == {"expired"} and report["asked"] == 4
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "drifting")
    artifacts = sorted(a.path for r in lock.jobs.values() for a in r.artifacts)
    (tmp_path / artifacts[0]).unlink()
    altered = tmp_path / artifacts[1]
    altered.write_bytes(altered.read_bytes()[:-1] + b"\x00")
    restarted = SandboxServer(SandboxConfig(speed=0.01, seed=1), port=first.port).start()  # it forgot every video
    try:
        drift = cli.campaign(restarted.env(), "drift", str(spec), "--detailed-exitcode")
        markdown = cli.campaign(restarted.env(), "drift", str(spec), "--format", "markdown")
        stats = restarted.stats()
    finally:
        restarted.stop()
    assert drift.returncode == 2, drift.stderr
    lines = drift.stdout.splitlines()
    assert sum(line.startswith("gone ") for line in lines) == 4
    assert sum(line.startswith("expired ") for line in lines) == 4
    assert [line.split()[0] for line in lines if line.startswith("file-")] == ["file-missing", "file-altered"] or [
        line.split()[0] for line in lines if line.startswith("file-")
    ] == ["file-altered", "file-missing"]
    assert "fix: campaign plan " in drift.stdout and "--replace promo[avatar=a" in drift.stdout
    assert "--exclude promo" in drift.stdout
    assert markdown.returncode == 0 and "| reason | job | detail | fix |" in markdown.stdout
    assert all(stats[name] == 0 for name in CREATES), stats
    # two runs, each asking about four task ids in one batched read request, and nothing else
    assert stats["requests"] == {"tiktok /creative/digital_avatar/video/task/get/": 2}, stats["requests"]


def test_drift_is_in_sync_after_the_fixes_it_names(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(_expiring(cli, "fixed", "2020-01-01"))
    env = sandbox.env()
    assert cli.apply(env, spec).returncode == 0
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "fixed")
    artifact = next(a.path for r in lock.jobs.values() for a in r.artifacts)
    (tmp_path / artifact).unlink()
    assert cli.campaign(env, "drift", str(spec), "--detailed-exitcode").returncode == 2
    spec.write_text(_expiring(cli, "fixed", "2999-01-01"))  # the group's date moved
    assert cli.apply(env, spec).returncode == 0  # downloads the lost file again, creates nothing
    fixed = cli.campaign(env, "drift", str(spec), "--detailed-exitcode")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "fixed: in sync (4 jobs checked, 4 asked at the providers)" in fixed.stdout


def test_drift_of_a_bad_file_exits_1_with_one_message(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(_expiring(cli, "bad", "someday"))
    result = cli.campaign(sandbox.env(), "drift", str(spec))
    assert result.returncode == 1 and "is not a date; write it as YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr
