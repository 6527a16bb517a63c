"""Statements the docs make about behaviour, each checked against the behaviour (a doc that drifts fails here)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from click.testing import CliRunner

from runner.commands.validate import command as validate
from runner.plan.requests import RefreshRequest

ROOT = Path(__file__).resolve().parents[2]


def _doc(name: str) -> str:
    return " ".join((ROOT / "docs" / name).read_text(encoding="utf-8").split())


def test_every_limit_problem_of_a_cell_is_reported_as_the_docs_say(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    script, name = "x" * 2100, "n" * 55
    spec.write_text(
        f"""version: 1
campaign: c
avatars: {{a: {{id: "7295705233773068290"}}}}
scripts: {{s: {{text: "{script}"}}}}
videos:
  - id: g
    avatars: [a]
    scripts: [s]
    name: "{name}"
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(validate, [str(spec)])
    assert "script is 2,100 characters" in result.stderr and "video name" in result.stderr
    for name in ("plan-format.md", "campaign-format.md"):
        assert "first limit problem" not in _doc(name)
        assert "every problem of a cell is reported" in _doc(name).lower()


def test_a_refresh_name_is_documented_as_never_sent() -> None:
    assert "name" not in {f.name for f in dataclasses.fields(RefreshRequest)}  # what the refresh create sends
    assert "the refresh API takes no name" in _doc("campaign-format.md")
    assert "the refresh API takes no name" in _doc("plan-format.md")
