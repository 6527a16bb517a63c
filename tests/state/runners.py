"""Runners of one team campaign as separate processes: its text, its clones, apply and other commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

AVATARS = ["7295705233773068290", "7301881390801354754", "7301881390801371138", "7295759871838797825"]


def spec_text(videos: int, words: str = "Team") -> str:
    lines = ["version: 1", "campaign: team", "avatars:"]
    lines += [f'  a{i}: {{id: "{a}"}}' for i, a in enumerate(AVATARS)]
    lines.append("scripts:")
    scripts = max(1, videos // len(AVATARS))
    lines += [f'  s{i}: {{text: "{words} script {i} for {{{{ avatar }}}}."}}' for i in range(scripts)]
    lines += [
        "videos:",
        "  - id: promo",
        f"    avatars: [{', '.join(f'a{i}' for i in range(len(AVATARS)))}]",
        f"    scripts: [{', '.join(f's{i}' for i in range(scripts))}]",
    ]
    return "\n".join(lines) + "\n"


def clones(root: Path, count: int, text: str) -> list[Path]:
    specs = []
    for i in range(count):
        folder = root / f"clone{i}"
        folder.mkdir()
        spec = folder / "team.yaml"
        spec.write_text(text)
        specs.append(spec)
    return specs


def start(spec: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "runner", "apply", str(spec), "--yes", "--accept-notices", "--no-report", *extra],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def campaign(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )
