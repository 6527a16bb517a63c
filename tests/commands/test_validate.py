"""`campaign validate`: text, `--format json`, and GitHub annotations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

GOOD = """\
version: 1
campaign: one
avatars:
  isabelle: {id: "7295705233773068290"}
scripts:
  hi: {text: "Hello there."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [hi]
"""
BAD = "version: 1\ncampaign: two\nfoo: 1\n"


def validate(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "CI")}
    return subprocess.run(
        [sys.executable, "-m", "runner", "validate", *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        cwd=cwd,
        timeout=60,
    )


def test_one_job_is_one_job(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(GOOD)
    result = validate("one.yaml", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "OK one.yaml: 1 job (1 avatar video, 0 uploads, 0 refresh); 1 video to generate in all\n"


def test_json_lists_every_file_with_its_problems(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(GOOD)
    (tmp_path / "two.yaml").write_text(BAD)
    (tmp_path / "two.lock.yaml").write_text("jobs: [")
    result = validate("--format", "json", "one.yaml", "two.yaml", "two.lock.yaml", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    report = json.loads(result.stdout)
    assert report["format_version"] == "1.0" and report["valid"] is False
    one, two, lock = report["files"]
    assert one == {
        "file": "one.yaml",
        "kind": "campaign",
        "valid": True,
        "campaign": "one",
        "jobs": 1,
        "job_kinds": {"avatar_video": 1},
        "videos": 1,
        "problems": [],
        "warnings": [],
    }
    assert two["valid"] is False and two["problems"] == [
        {"file": "two.yaml", "line": 3, "column": 1, "path": "foo", "message": two["problems"][0]["message"]}
    ]
    assert "unknown key 'foo'" in two["problems"][0]["message"]
    assert lock["kind"] == "lockfile" and lock["valid"] is False and lock["problems"][0]["file"] == "two.lock.yaml"
    assert not lock["problems"][0]["message"].startswith("two.lock.yaml")


def test_json_of_valid_files_exits_0(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(GOOD)
    result = validate("one.yaml", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["valid"] is True


def test_github_actions_gets_annotations_on_the_line(tmp_path: Path) -> None:
    (tmp_path / "two.yaml").write_text(BAD)
    plain = validate("two.yaml", cwd=tmp_path)
    assert "::error" not in plain.stdout + plain.stderr
    result = validate("two.yaml", env={"GITHUB_ACTIONS": "true"}, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=two.yaml,line=3,col=1::at foo: unknown key 'foo'")
    assert "two.yaml:3:1: at foo: unknown key 'foo'" in result.stderr  # the human line stays


def test_plan_of_an_invalid_file_annotates_in_github_actions(tmp_path: Path) -> None:
    (tmp_path / "two.yaml").write_text(BAD)
    result = subprocess.run(
        [sys.executable, "-m", "runner", "plan", "two.yaml"],
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_ACTIONS": "true"},
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1
    assert "::error file=two.yaml,line=3,col=1::at foo: unknown key 'foo'" in result.stdout
