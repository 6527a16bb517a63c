"""The built-in `claims` and `testimonials` packs over a corpus of violating and ordinary ad scripts."""

from __future__ import annotations

from pathlib import Path

import yaml

from runner.policy.pack import load_pack
from runner.policy.selftest import flagged

CORPUS = Path(__file__).parent / "corpus"
PACKS = [load_pack(name, Path(".")) for name in ("claims", "testimonials")]


def levels(text: str) -> set[str]:
    return {hit.rule.level for pack in PACKS for hit in flagged(pack, text)}


def test_violating_scripts_are_flagged_mostly_by_mandatory_rules() -> None:
    scripts = [entry["text"] for entry in yaml.safe_load((CORPUS / "violating.yaml").read_text())]
    assert len(scripts) >= 40
    found = [levels(text) for text in scripts]
    assert sum(bool(f) for f in found) >= 0.9 * len(scripts)
    assert sum("mandatory" in f for f in found) >= 0.75 * len(scripts)


def test_ordinary_scripts_are_rarely_flagged() -> None:
    scripts = yaml.safe_load((CORPUS / "ordinary.yaml").read_text())
    assert len(scripts) >= 40
    flagged_ones = [text for text in scripts if levels(text)]
    assert len(flagged_ones) <= 0.1 * len(scripts), flagged_ones
