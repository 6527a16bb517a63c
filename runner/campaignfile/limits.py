"""Checks of rendered values against the providers' documented limits (None = ok)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from urllib.parse import urlparse

import regex

from runner import api_facts as facts
from runner.campaignfile.values import shown

# Letters, marks, digits, punctuation and the symbols languages write (°, %, currency, math) are read
# aloud; emoji and pictographs are not, and control or format characters are invisible mistakes.
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|[\p{Emoji_Component}--[\x00-\x7F\u200D]]", regex.V1)
_JOINERS = {"\u200c", "\u200d"}  # ZWNJ / ZWJ shape Persian and Indic words
_WHITESPACE = {" ", "\n", "\t", "\r"}
_KIND = {"\n": "line break", "\r": "line break", "\t": "tab"}


def _invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return char not in _WHITESPACE and char not in _JOINERS and (category[0] == "C" or category in ("Zl", "Zp"))


def script_bad_characters(text: str) -> list[str]:
    """The distinct characters of `text` that are emoji, pictographs, or control/format characters."""
    bad: dict[str, None] = {}
    for char in text:
        if char.isalnum() or char == " ":
            continue
        if _invisible(char) or _EMOJI.match(char):
            bad[char] = None
    return list(bad)


def _describe(chars: Sequence[str]) -> str:
    shown = [
        f"U+{ord(c):04X} ({_KIND.get(c, 'invisible')})"
        if _invisible(c) or c in _WHITESPACE
        else f"'{c}' (U+{ord(c):04X})"
        for c in chars[:5]
    ]
    return ", ".join(shown) + (" ..." if len(chars) > 5 else "")


def script(text: str, provider: str, max_chars: int | None, *, emoji: bool) -> list[str]:
    """A rendered script: not empty, within `max_chars`, no control or format characters, no emoji unless `emoji`."""
    if not text.strip():
        return ["script is empty after rendering"]
    problems = []
    if max_chars is not None and len(text) > max_chars:
        problems.append(f"script is {len(text):,} characters; the {provider} limit is {max_chars:,}")
    if not emoji:
        bad = script_bad_characters(text)
        if bad:
            problems.append(
                f"script contains emoji or special characters the {provider} API cannot read: {_describe(bad)}; remove them"
            )
        return problems
    hidden = [c for c in dict.fromkeys(text) if _invisible(c)]
    if hidden:
        problems.append(f"script contains control or format characters: {_describe(hidden)}; remove them")
    return problems


_NAME_REFUSED = set("`<>")


def name_characters(text: str) -> str | None:
    """Names shown in UIs and reviews: one line, no control/format characters, backticks or HTML brackets."""
    if text.isprintable() and not _NAME_REFUSED.intersection(text):  # no C* or Z* character but the space
        return None
    bad = [c for c in dict.fromkeys(text) if _invisible(c) or c in _NAME_REFUSED or (c in _WHITESPACE and c != " ")]
    if bad:
        return f"name contains {_describe(bad)}; names may not hold line breaks, control characters, '`', '<' or '>'"
    return None


def video_name(text: str) -> list[str]:
    """Video names: 1-50 characters of names' allowed characters."""
    if not text.strip():
        return ["video name is empty after rendering"]
    problems = []
    if len(text) > facts.VIDEO_NAME_MAX_CHARS:
        problems.append(
            f"video name {shown(text)} is {len(text)} characters; the limit is {facts.VIDEO_NAME_MAX_CHARS}"
        )
    message = name_characters(text)
    if message:
        problems.append(message)
    return problems


def rename_name(text: str) -> str | None:
    """Names set by rename: 1-100 characters."""
    if not facts.RENAME_MIN_CHARS <= len(text) <= facts.RENAME_MAX_CHARS:
        return f"name must be {facts.RENAME_MIN_CHARS}-{facts.RENAME_MAX_CHARS} characters, not {len(text)}"
    return None


def product_description(text: str) -> list[str]:
    """Refresh hook product descriptions: at most 3,000 characters."""
    if len(text) > facts.PRODUCT_DESCRIPTION_MAX_CHARS:
        return [
            f"product_description is {len(text):,} characters; the limit is {facts.PRODUCT_DESCRIPTION_MAX_CHARS:,}"
        ]
    return []


def strategies(values: Sequence[str]) -> str | None:
    """One of the documented strategy combinations, in any order, without repeats."""
    if len(set(values)) != len(values):
        return f"strategies {list(values)} repeat a strategy"
    if frozenset(values) not in facts.REFRESH_STRATEGY_COMBINATIONS:
        return f"strategies {list(values)} are not a documented combination (ADD_HOOK, SWAP_MUSIC, or both)"
    return None


def source_url(url: str) -> str | None:
    """Refresh sources must be absolute http(s) URLs."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return f"source url '{url}' must be an http:// or https:// URL"
    return None
