"""One text against a pack's rules: word-aware patterns, requirements, evidence, limits, jurisdictions."""

from __future__ import annotations

from pathlib import Path

from runner.campaignfile.model import Disclosure
from runner.policy.pack import load_pack
from runner.policy.selftest import flagged

PACK = """\
pack: team
rules:
  - {id: team/no-free, level: mandatory, message: "no 'free'", deny: ['free']}
  - {id: team/terms, level: advisory, message: "say terms apply", when: ['\\d+\\s*%\\s+off'], require: ['terms\\s+apply']}
  - {id: team/proof, level: mandatory, message: "proof needed", require_evidence: ['lab[- ]tested']}
  - {id: team/short, level: advisory, message: "too long", max_chars: 40}
  - {id: team/words, level: advisory, message: "too many words", max_words: 5}
  - {id: team/ny, level: mandatory, message: "NY label", applies_in: [US], require_disclosure: {label: true}}
"""


def rules_flagging(tmp_path: Path, text: str, **kwargs: object) -> list[str]:
    (tmp_path / "team.yaml").write_text(PACK)
    pack = load_pack("team.yaml", tmp_path)
    return sorted(hit.rule.id for hit in flagged(pack, text, **kwargs))  # type: ignore[arg-type]


def test_deny_is_case_insensitive_and_word_aware(tmp_path: Path) -> None:
    assert rules_flagging(tmp_path, "FREE gift") == ["team/no-free"]
    assert rules_flagging(tmp_path, "A carefree day") == []
    assert rules_flagging(tmp_path, "freedom") == []


def test_require_applies_only_when_its_trigger_appears(tmp_path: Path) -> None:
    assert rules_flagging(tmp_path, "Now 30% off") == ["team/terms"]
    assert rules_flagging(tmp_path, "Now 30% off. Terms apply") == []
    assert rules_flagging(tmp_path, "Warm boots") == []


def test_a_guarded_claim_is_allowed_only_with_evidence(tmp_path: Path) -> None:
    assert rules_flagging(tmp_path, "Lab tested soles") == ["team/proof"]
    assert rules_flagging(tmp_path, "Lab tested soles", evidence=("lab-2025",)) == []


def test_limits_count_characters_and_words(tmp_path: Path) -> None:
    assert rules_flagging(tmp_path, "one two three four five six") == ["team/words"]
    assert rules_flagging(tmp_path, "x" * 41) == ["team/short"]


def test_a_country_rule_applies_in_its_regions_and_only_there(tmp_path: Path) -> None:
    unlabelled_ny = Disclosure(label=None, spoken="AI", jurisdictions=("US-NY",))
    unlabelled_eu = Disclosure(label=None, spoken="AI", jurisdictions=("EU",))
    assert rules_flagging(tmp_path, "Boots", disclosure=unlabelled_ny) == ["team/ny"]
    assert rules_flagging(tmp_path, "Boots", disclosure=unlabelled_eu) == []
