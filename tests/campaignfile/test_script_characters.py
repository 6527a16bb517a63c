"""Scripts may carry the punctuation and symbols of every language, but no emoji or invisible characters."""

from __future__ import annotations

import pytest

from runner.campaignfile import limits
from runner.plan.expand import script_problems
from runner.vocabulary.providers import TIKTOK, provider


def tiktok_script(script: str) -> list[str]:
    return script_problems(script, provider(TIKTOK))


@pytest.mark.parametrize(
    "script",
    [
        pytest.param("هل تريد حذاءً؟ نعم، الآن؛ خصم ٪٣٠", id="arabic"),
        pytest.param("「冬のブーツ」（新作）《限定》５０％オフ。", id="cjk"),
        pytest.param("नए जूते आ गए। अभी खरीदें।", id="devanagari"),
        pytest.param("מבצע תשפ״ו: מגפיים חדשים", id="hebrew"),
        pytest.param("„Warm bis −20 °C“, sagt sie.", id="german"),
        pytest.param("¿Listos? ¡Sí! Botas a 19,90 € — envío gratis…", id="spanish"),
        pytest.param("Ботинки «Север» — №1 зимой!", id="cyrillic"),
        pytest.param("รองเท้าใหม่ ลด ๕๐%", id="thai"),
        pytest.param("کتاب\u200cها را بخوانید.", id="persian-zwnj"),
        pytest.param("Save $5 + 10% = more; 2×3 ÷ 1 ± 0 ^_^ @brand #1 & co.", id="ascii-symbols"),
    ],
)
def test_every_script_s_punctuation_passes(script: str) -> None:
    assert tiktok_script(script) == []


@pytest.mark.parametrize(
    ("script", "named"),
    [
        ("Boots 👢 now", "'👢' (U+1F462)"),
        ("Love it ❤️", "'❤' (U+2764)"),
        ("Flags 🇳🇴", "'🇳' (U+1F1F3)"),
        ("Thumbs 👍🏽", "'👍' (U+1F44D)"),
        ("Bell \x07 here", "U+0007 (invisible)"),
        ("Right-to-left \u202e override", "U+202E (invisible)"),
        ("Zero\u200bwidth space", "U+200B (invisible)"),
    ],
)
def test_emoji_and_invisible_characters_are_refused_by_name(script: str, named: str) -> None:
    problems = tiktok_script(script)
    assert len(problems) == 1 and named in problems[0]


def test_too_long_and_emoji_are_both_reported() -> None:
    assert len(tiktok_script("👢" + "a" * 2000)) == 2


@pytest.mark.parametrize("name", ["two\nlines", "tab\there", "`code`", "<b>bold</b>", "bidi\u202eflip"])
def test_names_refuse_control_characters_backticks_and_html(name: str) -> None:
    assert limits.video_name(name) != []


def test_ordinary_names_pass() -> None:
    assert limits.video_name("promo-東京-ブーツ & co (v2)") == []
