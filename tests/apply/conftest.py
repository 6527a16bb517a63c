"""Helpers to run `campaign apply` as a real subprocess against a sandbox in the test process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

AVATARS = ["7295705233773068290", "7301881390801354754", "7301881390801371138", "7295759871838797825"]


def campaign_text(name: str, avatars: int, scripts: int, refresh_from: str | None = None) -> str:
    """A campaign of avatars x scripts short videos, optionally refreshing some of them."""
    lines = ["version: 1", f"campaign: {name}", "avatars:"]
    lines += [f'  a{i}: {{id: "{AVATARS[i]}"}}' for i in range(avatars)]
    lines.append("scripts:")
    lines += [f'  s{i}: {{text: "Script number {i} for {{{{ avatar }}}}."}}' for i in range(scripts)]
    lines += [
        "videos:",
        "  - id: promo",
        f"    avatars: [{', '.join(f'a{i}' for i in range(avatars))}]",
        f"    scripts: [{', '.join(f's{i}' for i in range(scripts))}]",
        '    name: "{{ avatar }}-{{ script }}"',
    ]
    if refresh_from:
        lines += [
            "refresh:",
            "  - id: music",
            f"    source: {{from: promo, where: {refresh_from}}}",
            "    strategies: [SWAP_MUSIC]",
        ]
    return "\n".join(lines) + "\n"


def apply_command(spec: Path, *extra: str) -> list[str]:
    """The apply command line."""
    return [sys.executable, "-m", "runner", "apply", str(spec), "--yes", "--accept-notices", *extra]


def run(args: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run the CLI with the sandbox's environment."""
    return subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def write_campaign(tmp_path: Path) -> Any:
    def write(text: str, name: str = "c.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture
def kit() -> Any:
    """The helpers above, for test modules (conftest modules cannot be imported under importlib mode)."""
    import types

    return types.SimpleNamespace(campaign_text=campaign_text, apply_command=apply_command, run=run)


@pytest.fixture
def sandbox_factory(sandbox_factory: Any) -> Any:
    """Sandboxes on the real clock (as `apply --sandbox` runs), tasks at 1 % of the documented times unless told."""

    def start(**knobs: Any) -> Any:
        knobs.setdefault("speed", 0.01)
        return sandbox_factory(**knobs)

    return start
