"""Every file in invalid/ fails validation with exactly the message in its .expected file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.commands.validate import command as validate

PROJECT_DIR = Path(__file__).resolve().parents[2]

CORPUS = Path(__file__).parent / "invalid"
FILES = sorted(CORPUS.glob("*.yaml"))


def _expected(path: Path) -> str:
    text = path.with_suffix(".expected").read_text(encoding="utf-8")
    text = text.replace("SPECPARENT", str(path.parent.parent)).replace("SPECDIR", str(path.parent))
    return text.replace("FILE", str(path)).replace("PROJECT", str(PROJECT_DIR))


def test_corpus_is_large_enough() -> None:
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_invalid_file_gives_its_exact_message(path: Path) -> None:
    result = CliRunner().invoke(validate, [str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == _expected(path)


@pytest.mark.parametrize("name", ["10-unknown-script", "16-injection", "17-script-too-long"])
def test_real_cli_reports_without_traceback(name: str) -> None:
    path = CORPUS / f"{name}.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "runner", "validate", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr == _expected(path)
    assert "Traceback" not in result.stderr


def test_all_files_are_checked_in_one_run() -> None:
    paths = [str(FILES[0]), str(PROJECT_DIR / "campaigns" / "demo.yaml"), str(FILES[1])]
    result = CliRunner().invoke(validate, paths)
    assert result.exit_code == 1
    assert "OK " in result.stdout and "demo.yaml" in result.stdout
    assert result.stderr == _expected(FILES[0]) + _expected(FILES[1])
