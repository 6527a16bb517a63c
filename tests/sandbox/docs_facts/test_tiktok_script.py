"""The emulator's reading of TikTok's "no emojis or special characters" rule, and where it meets the validator's."""

from __future__ import annotations

import pytest

from runner.campaignfile.limits import script_bad_characters
from runner.sandbox.docs_facts.tiktok_script import unreadable_characters
from tests.sandbox.docs_facts.conftest import DocText

SPEAKABLE = [
    "Northwind boots: 30% off, today only!",
    "Prix : 49,99 € — livraison offerte (°C, №, ½).",
    "Größe 42? Ja, natürlich.",
    "冬のブーツ、今だけ三割引。",
    "Зимние ботинки со скидкой 30 %.",
    "حذاء شتوي بخصم ٣٠٪",
    "می\u200cخواهم",  # Persian: the zero-width non-joiner belongs to the word
    "क्\u200dष",  # Devanagari: the zero-width joiner shapes the conjunct
    "Line one.\nLine two.\tTabbed.\r\n",
    "a + b = c; x < y > z; #1 * 2 @ 3 & 4 / 5 | 6 ~ 7 ^ 8",
    "Quotes: “curly” ‘single’ «guillemets» and an ellipsis…",
]
UNREADABLE = [
    ("Great boots \U0001f462", ["\U0001f462"]),
    ("Love it ♥", ["♥"]),
    ("Brand™ and ©", ["™", "©"]),
    ("thumbs \U0001f44d\U0001f3fd", ["\U0001f44d", "\U0001f3fd"]),
    ("flag \U0001f1fa\U0001f1f8", ["\U0001f1fa", "\U0001f1f8"]),
    ("keycap 1\ufe0f\u20e3", ["\ufe0f", "\u20e3"]),
    ("family \U0001f468\u200d\U0001f469", ["\U0001f468", "\U0001f469"]),
    ("bell\x07 and null\x00", ["\x07", "\x00"]),
    ("hidden\u200bspace and\u2028separator", ["\u200b", "\u2028"]),
    ("private \ue000 use", ["\ue000"]),
    ("twice \U0001f462\U0001f462", ["\U0001f462"]),
    ("info \u2139", ["\u2139"]),  # INFORMATION SOURCE: a letter to Python, an emoji to Unicode
]
# Where the campaign-file validator reads the rule otherwise: it lets letters through before asking
# whether they are emoji, so it accepts U+2139 (the emulator then refuses the create).
VALIDATOR_DIFFERS = {"\u2139"}


def test_the_rule_is_the_docs(doc: DocText) -> None:
    avatar = doc("tiktok-digital-avatar-api.md")
    assert "Do not use emojis or special characters because they cannot be recognized." in avatar
    assert "Supported language: All languages." in avatar


@pytest.mark.parametrize("script", SPEAKABLE)
def test_every_language_and_its_punctuation_is_readable(script: str) -> None:
    assert unreadable_characters(script) == []


@pytest.mark.parametrize(("script", "bad"), UNREADABLE)
def test_emoji_and_special_characters_are_named_once_in_order(script: str, bad: list[str]) -> None:
    assert unreadable_characters(script) == bad


@pytest.mark.parametrize("script", SPEAKABLE + [s for s, bad in UNREADABLE if not VALIDATOR_DIFFERS & set(bad)])
def test_the_emulator_and_the_validator_agree(script: str) -> None:
    assert unreadable_characters(script) == script_bad_characters(script)


def test_the_emulator_and_the_validator_differ_only_where_known() -> None:
    planes = "".join(chr(c) for c in [*range(0x20000), *range(0xE0000, 0xE1000)])
    differ = set(unreadable_characters(planes)) ^ set(script_bad_characters(planes))
    assert differ <= VALIDATOR_DIFFERS, sorted(f"U+{ord(c):04X}" for c in differ)
