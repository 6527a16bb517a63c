"""Small helpers for the words of user-facing messages."""

from __future__ import annotations


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 job`, `2 jobs`, `0 videos`, `1 refresh` / `2 refreshes` with `plural_noun`."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"
