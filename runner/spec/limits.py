"""Checks of rendered values against the providers' documented limits (None = ok)."""

from __future__ import annotations

import unicodedata
from typing import Sequence
from urllib.parse import urlparse

from runner import api_facts as facts

# Punctuation a text-to-speech script may carry; everything else outside letters, marks,
# digits and spaces counts as a "special character" the API cannot pronounce.
_ALLOWED_PUNCTUATION = set(".,!?;:'\"()[]-–—‘’“”…%&$€£¥/@#+*=_~«»¿¡、。，！？；：・")


def script_bad_characters(text: str) -> list[str]:
    """The distinct characters of `text` that are emoji or unsupported special characters."""
    bad: dict[str, None] = {}
    for char in text:
        if char in _ALLOWED_PUNCTUATION or char in " \n\t":
            continue
        category = unicodedata.category(char)
        if category[0] in "LMN" or category == "Zs":
            continue
        bad[char] = None
    return list(bad)


def _describe(chars: Sequence[str]) -> str:
    return ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars[:5]) + (" ..." if len(chars) > 5 else "")


def tiktok_script(text: str) -> str | None:
    """TikTok avatar scripts: 1-2,000 characters, no emoji or special characters."""
    if not text.strip():
        return "script is empty after rendering"
    if len(text) > facts.SCRIPT_MAX_CHARS:
        return f"script is {len(text):,} characters; the TikTok limit is {facts.SCRIPT_MAX_CHARS:,}"
    bad = script_bad_characters(text)
    if bad:
        return f"script contains emoji or special characters the TikTok API cannot read: {_describe(bad)}; remove them"
    return None


def heygen_script(text: str) -> str | None:
    """HeyGen scripts: 1-5,000 characters."""
    if not text.strip():
        return "script is empty after rendering"
    if len(text) > facts.HEYGEN_SCRIPT_MAX_CHARS:
        return f"script is {len(text):,} characters; the HeyGen limit is {facts.HEYGEN_SCRIPT_MAX_CHARS:,}"
    return None


def video_name(text: str) -> str | None:
    """Video names: 1-50 characters."""
    if not text.strip():
        return "video name is empty after rendering"
    if len(text) > facts.VIDEO_NAME_MAX_CHARS:
        return f"video name '{text}' is {len(text)} characters; the limit is {facts.VIDEO_NAME_MAX_CHARS}"
    return None


def rename_name(text: str) -> str | None:
    """Names set by rename: 1-100 characters."""
    if not facts.RENAME_MIN_CHARS <= len(text) <= facts.RENAME_MAX_CHARS:
        return f"name must be {facts.RENAME_MIN_CHARS}-{facts.RENAME_MAX_CHARS} characters, not {len(text)}"
    return None


def product_description(text: str) -> str | None:
    """Refresh hook product descriptions: at most 3,000 characters."""
    if len(text) > facts.PRODUCT_DESCRIPTION_MAX_CHARS:
        return (
            f"product_description is {len(text):,} characters; "
            f"the limit is {facts.PRODUCT_DESCRIPTION_MAX_CHARS:,}"
        )
    return None


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
