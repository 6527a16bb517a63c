"""The write-ahead log: a damaged journal line is a clear error naming the journal, never a bug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SPEC = """\
version: 1
campaign: demo
avatars:
  isabelle: {id: "7295705233773068290"}
scripts:
  teaser: {text: "Hello there."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [teaser]
"""


@pytest.mark.parametrize("line", ['{"resolved": ["tiktok", "Isabelle"]}', '{"resolved": 5}', '{"resolved": [1, 2, 3]}'])
def test_a_damaged_resolution_line_exits_1_naming_the_journal(tmp_path: Path, line: str) -> None:
    spec = tmp_path / "demo.yaml"
    spec.write_text(SPEC)
    journal = tmp_path / ".campaign" / "demo.lock.yaml.journal"
    journal.parent.mkdir()
    journal.write_text(line + "\n")
    for command in ("plan", "graph"):
        run = subprocess.run(
            [sys.executable, "-m", "runner", command, str(spec)], capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 1, run.stderr
        assert "demo.lock.yaml.journal" in run.stderr and "remove that line" in run.stderr, run.stderr
