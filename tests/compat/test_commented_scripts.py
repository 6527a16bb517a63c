"""A lockfile an older release wrote for scripts that open with a tag line: matched to today's keys, never paid again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from runner.cli import cli
from runner.lock.records import loads

FIXTURES = Path(__file__).parent / "fixtures" / "commented_script"
PROJECT = Path(__file__).resolve().parents[2]
SPEC = "campaigns/commented.yaml"
LOCK = "campaigns/commented.sandbox.lock.yaml"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The campaign, its template, the old release's sandbox lockfile and the sandbox account it left."""
    for part in ("campaigns", "templates"):
        shutil.copytree(FIXTURES / part, tmp_path / part)
    account = tmp_path / "campaigns" / ".campaign" / "sandbox" / "commented.json"
    account.parent.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "sandbox-account.json", account)
    return tmp_path


def _with_downloads(checkout: Path) -> None:
    """The videos the old release downloaded (not kept here): else plans say they are missing."""
    for record in loads((checkout / LOCK).read_text(encoding="utf-8")).jobs.values():
        for artifact in record.artifacts:
            target = checkout / "campaigns" / artifact.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"\0" * artifact.size)


def _plan(checkout: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.chdir(checkout)
    result = CliRunner().invoke(cli, ["plan", SPEC, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _tasks(checkout: Path) -> int:
    """Create tasks the sandbox account has seen (avatar videos and refreshes)."""
    account = json.loads((checkout / "campaigns" / ".campaign" / "sandbox" / "commented.json").read_text())
    return sum(len(v) for k, v in account["tiktok"].items() if k.endswith("tasks"))


def _apply(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "HEYGEN_", "ZEGO_"))}
    command = [sys.executable, "-m", "runner", "apply", SPEC, "--sandbox", "--yes", "--accept-notices", *args]
    return subprocess.run(
        command, cwd=checkout, env={**env, "PYTHONPATH": str(PROJECT)}, capture_output=True, text=True, timeout=180
    )


def test_the_scripts_are_sent_without_the_tag_lines(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the old release sent with a leading (and trailing) blank line is now the words alone."""
    data = json.loads(_plan(checkout, monkeypatch, "--format", "json", "--lock", "none.lock.yaml"))
    scripts = {c["request"]["script"] for c in data["changes"] if "script" in (c.get("request") or {})}
    assert scripts == {
        "Meet the Trail Boot from Northwind Boots.",
        "The Trail Boot: made for the walk to work.",
        "Northwind Boots: the Trail Boot keeps your feet dry.",
    }


def test_the_old_lockfile_plans_no_changes(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record, keyed by the old rendering or not, is matched: no create, no replace, no forget."""
    _with_downloads(checkout)
    text = _plan(checkout, monkeypatch, "--sandbox")
    assert "No changes." in text, text
    data: dict[str, Any] = json.loads(_plan(checkout, monkeypatch, "--sandbox", "--format", "json"))
    assert len(data["changes"]) == 12 and {c["action"] for c in data["changes"]} == {"no-op"}


def test_apply_rekeys_the_lockfile_and_pays_nothing(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Apply writes the records under today's keys, with the same video ids, and sends no create."""
    old = loads((checkout / LOCK).read_text(encoding="utf-8"))
    fresh = json.loads(_plan(checkout, monkeypatch, "--format", "json", "--lock", "none.lock.yaml"))
    tasks = _tasks(checkout)
    applied = _apply(checkout, "--format", "json")  # its videos are not on disk here: downloaded again, unpaid
    assert applied.returncode == 0, applied.stderr
    assert "8 records of the lockfile, keyed by an earlier version" in applied.stderr
    summary = json.loads(applied.stdout)
    assert summary["videos_created"] == 0 and summary["failed"] == []
    assert _tasks(checkout) == tasks
    new = loads((checkout / LOCK).read_text(encoding="utf-8"))
    assert set(new.jobs) == {c["key"] for c in fresh["changes"]} != set(old.jobs)
    assert sorted(v for r in new.jobs.values() for v in r.video_ids) == sorted(
        v for r in old.jobs.values() for v in r.video_ids
    )
    again = _apply(checkout)
    assert again.returncode == 0 and "No changes." in again.stdout, again.stderr
    assert "keyed by an earlier version" not in again.stderr
    assert _tasks(checkout) == tasks
