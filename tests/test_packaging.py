"""The wheel, installed non-editable into a fresh venv, works from a folder outside the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
BUILD_LEFTOVERS = (
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "artifacts",
)


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    # Built from a copy: pip's in-tree build would write build/ into the checkout (shared with other runs,
    # and stale files there would end up in the wheel).
    source = tmp_path / "source"
    shutil.copytree(PROJECT_DIR, source, ignore=shutil.ignore_patterns(*BUILD_LEFTOVERS))
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("campaign-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)  # this pip installs into it (`--python`): no ensurepip, same result
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-compile", str(wheel)],
        check=True,
        capture_output=True,
    )
    work = tmp_path / "elsewhere"
    shutil.copytree(
        PROJECT_DIR / "campaigns", work / "campaigns", ignore=shutil.ignore_patterns("*.lock.yaml", "artifacts")
    )
    shutil.copytree(PROJECT_DIR / "templates", work / "templates")
    campaign = str(env_dir / "bin" / "campaign")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([campaign, *args], cwd=work, capture_output=True, text=True, timeout=300)

    probe = subprocess.run(
        [str(python), "-c", "import runner; print(runner.__file__)"], capture_output=True, text=True, cwd=work
    )
    assert str(env_dir) in probe.stdout, probe.stdout  # the wheel, not the checkout
    validated = run("validate", "campaigns/winter-boots.yaml", "campaigns/demo.yaml")
    assert validated.returncode == 0, validated.stderr
    planned = run("plan", "campaigns/demo.yaml")
    assert planned.returncode == 0, planned.stderr
    assert "to create" in planned.stdout
    applied = run("apply", "campaigns/demo.yaml", "--sandbox", "--yes", "--accept-notices")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "0 failed" in applied.stdout + applied.stderr
