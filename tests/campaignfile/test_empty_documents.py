"""An empty document is one located message and exit 1 in every command that reads a spec."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runner.cli import main


@pytest.mark.parametrize("command", ["validate", "plan", "graph"])
@pytest.mark.parametrize("document", ["---\n", "null\n", "~\n", "", "--- ~\n...\n"])
def test_empty_document_is_a_located_error(
    command: str, document: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "empty.yaml"
    spec.write_text(document)
    monkeypatch.setattr(sys, "argv", ["campaign", command, str(spec)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert err.strip().removeprefix("error: ") == f"{spec}:1:1: the file has no content; start with `version: 1`"


def test_status_reads_the_lockfile_even_when_the_spec_is_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "empty.yaml"
    spec.write_text("~\n")
    monkeypatch.setattr(sys, "argv", ["campaign", "status", str(spec)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    assert exit_info.value.code == 1
    assert f"{spec}:1:1: the file has no content" in captured.err
    assert f"{spec} is invalid (1 problem" in captured.err and "Traceback" not in captured.err
