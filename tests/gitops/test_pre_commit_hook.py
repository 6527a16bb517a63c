"""The published pre-commit hook, run by pre-commit itself on this checkout against the example campaigns."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_hook_is_published_as_campaign_validate() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["campaign-validate"]
    assert hooks[0]["entry"] == "campaign validate"


def test_try_repo_passes_the_examples_and_names_a_broken_file(tmp_path: Path) -> None:
    repo = tmp_path / "ads"
    shutil.copytree(
        ROOT / "campaigns", repo / "campaigns", ignore=shutil.ignore_patterns("*.lock.yaml", "artifacts", ".*")
    )
    shutil.copytree(ROOT / "templates", repo / "templates")
    (repo / "campaigns" / "broken.yaml").write_text(
        "version: 1\ncampaign: broken\navatars: {a: {id: '1'}}\nscripts: {s: {text: hi}}\n"
        "videos:\n  - id: promo\n    avatars: [a]\n    scripts: [storyy]\n"
    )
    (repo / "notes.yaml").write_text("not: a campaign\n")  # outside campaigns/: not the hook's business
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PRE_COMMIT_COLOR": "never"}
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "campaign-validate", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "campaign validate" in done.stdout and "Failed" in done.stdout
    assert "campaigns/broken.yaml:8:" in done.stdout and "storyy" in done.stdout
    examples = [p.name for p in (ROOT / "campaigns").glob("*.yaml") if not p.name.endswith(".lock.yaml")]
    assert examples and all(f"OK campaigns/{name}:" in done.stdout for name in examples)
    assert "notes.yaml" not in done.stdout
