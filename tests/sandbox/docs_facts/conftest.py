"""The providers' docs as plain text, from shared/api-docs beside the repository (DESIGN.md beside it)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3].parent / "shared"

DocText = Callable[[str], str]


def plain(text: str) -> str:
    """The doc's words on one line: no HTML tags, escapes or line-broken identifiers, one space between words."""
    text = re.sub(r"<[^>]+>", "", text).replace("\\_", "_")
    text = re.sub(r"\$\\geq\s*(\d+)\$", r"≥ \1", text)
    text = re.sub(r"_\s+(?=[A-Z])", "_", text)  # CONSUMER_ELECTRONICS_AND_ELECTRIC_ APPLIANCES
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def doc() -> DocText:
    """`doc("tiktok-refresh-ads-api.md")` or `doc("DESIGN.md")`: the text, made plain."""
    if not (SHARED / "api-docs").is_dir():
        message = f"the provider docs are not at {SHARED / 'api-docs'}"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI lays shared/ beside the clone: missing docs are a fault there
        pytest.skip(message)

    def read(name: str) -> str:
        path = SHARED / name if name == "DESIGN.md" else SHARED / "api-docs" / name
        return plain(path.read_text(encoding="utf-8"))

    return read


def stated(text: str, anchor: str, pattern: str) -> tuple[str, ...]:
    """The groups of the first match of `pattern` after `anchor` (the field a number belongs to)."""
    start = text.index(anchor)
    match = re.compile(pattern).search(text, start)
    assert match is not None, f"no {pattern!r} after {anchor!r}"
    return match.groups()


def number(text: str) -> int:
    """A number as the docs write it: digits with thousands commas, or a word."""
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}
    return words[text] if text in words else int(text.replace(",", ""))


def section(text: str, start: str, end: str) -> str:
    """The text from `start` up to the next `end`."""
    begin = text.index(start)
    return text[begin : text.index(end, begin + len(start))]
