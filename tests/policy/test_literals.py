"""The words a pattern cannot match without: sound (never skip a match) and telling (skip ordinary text)."""

from __future__ import annotations

import re

import pytest

from runner.policy.literals import pattern_needs, satisfied

PATTERNS = [
    r"cure[sd]?(?!\s+ham)",
    r"lose\s+\d+\s*(?:lbs?|pounds|kg)\s+in\s+(?:\d+|a|one)\s+(?:days?|weeks?)",
    r"(?:treats?|reverses?)\s+(?:your\s+)?(?:acne|diabetes)",
    r"#\s?1",
]


@pytest.mark.parametrize(
    "text",
    ["This cures it", "Lose 10 lbs in 3 days", "It treats your ACNE", "The #1 boot", "CURED", "lose 5 kg in a week"],
)
def test_a_text_a_pattern_matches_always_has_the_words(text: str) -> None:
    needs = pattern_needs(PATTERNS)
    assert needs is not None
    assert any(re.search(p, text, re.IGNORECASE) for p in PATTERNS)
    assert satisfied(needs, text.lower())


def test_ordinary_text_lacks_them() -> None:
    needs = pattern_needs(PATTERNS)
    assert needs is not None and not satisfied(needs, "order today for free shipping and returns on every pair.")


def test_a_pattern_without_a_literal_word_turns_the_shortcut_off() -> None:
    assert pattern_needs([r"cure", r"\d+\s*\w+"]) is None
