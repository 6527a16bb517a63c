"""The `disclosure`, `evidence` and `policy` blocks: the spoken disclosure is part of each script and its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.campaignfile.compliance import with_disclosure
from runner.campaignfile.model import Disclosure
from runner.errors import SpecError
from runner.plan.expand import checked_graph

BASE = """\
version: 1
campaign: disc
avatars:
  isabelle: {id: "7295705233773068290"}
scripts:
  hi: {text: "Warm boots for winter."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [hi]
"""


def scripts(tmp_path: Path, extra: str = "") -> dict[str, str]:
    (tmp_path / "c.yaml").write_text(BASE + extra)
    _, graph = checked_graph(tmp_path / "c.yaml")
    return {key: str(job.request["script"]) for key, job in graph.jobs.items()}


def test_without_a_disclosure_the_script_and_its_key_are_unchanged(tmp_path: Path) -> None:
    assert with_disclosure(None, "Hi.") == "Hi." and with_disclosure(Disclosure(label="AI"), "Hi.") == "Hi."
    assert list(scripts(tmp_path).values()) == ["Warm boots for winter."]


def test_the_spoken_disclosure_is_said_at_its_position_and_changes_the_key(tmp_path: Path) -> None:
    plain = scripts(tmp_path)
    at_end = scripts(tmp_path, 'disclosure: {label: AI, spoken: "This presenter is AI-generated."}\n')
    at_start = scripts(tmp_path, 'disclosure: {spoken: "AI presenter.", position: start}\n')
    assert list(at_end.values()) == ["Warm boots for winter. This presenter is AI-generated."]
    assert list(at_start.values()) == ["AI presenter. Warm boots for winter."]
    assert set(plain).isdisjoint(at_end) and set(at_end).isdisjoint(at_start)


def test_a_group_naming_unknown_evidence_and_a_missing_evidence_file_are_problems(tmp_path: Path) -> None:
    extra = "evidence:\n  lab: {file: lab.pdf}\n"
    (tmp_path / "c.yaml").write_text(
        BASE.replace("    scripts: [hi]\n", "    scripts: [hi]\n    evidence: [lba]\n") + extra
    )
    with pytest.raises(SpecError) as caught:
        checked_graph(tmp_path / "c.yaml")
    messages = [p.render() for p in caught.value.problems]
    assert any(
        ":11:16: at videos[0].evidence[0]:" in m and "'lba' is not an entry of `evidence:`; did you mean 'lab'?" in m
        for m in messages
    ), messages
    assert any("evidence file 'lab.pdf' not found beside the campaign file" in m for m in messages), messages
