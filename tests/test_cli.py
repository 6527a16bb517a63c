from __future__ import annotations

import importlib.util
import subprocess
import sys

from runner import __version__
from runner.cli import COMMANDS


def _campaign(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner", *args], capture_output=True, text=True, timeout=60)


def test_version_and_help() -> None:
    assert __version__ in _campaign("--version").stdout
    out = _campaign("--help").stdout
    listed = {line.split()[0] for line in out.partition("Commands:")[2].splitlines() if line.strip()}
    assert listed == set(COMMANDS)
    assert {"validate", "plan", "graph", "apply", "status", "avatars", "sandbox", "force-unlock", "report", "clean", "show", "export"} <= listed
    assert all(importlib.util.find_spec(module) is not None for module in COMMANDS.values())


def test_usage_errors_exit_1_not_2() -> None:
    result = _campaign("no-such-command")
    assert result.returncode == 1
    assert "No such command" in result.stderr
    assert "Traceback" not in result.stderr
