"""Words a pattern cannot match without: a fast substring test that skips most regular-expression searches.

A pattern's needs are a conjunction of word sets: every match contains at least one word of each set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

Needs = tuple[frozenset[str], ...]  # each set: one of its (lowercase) words is in every match


def pattern_needs(patterns: Iterable[str]) -> tuple[Needs, ...] | None:
    """Per pattern, the word sets each of its matches contains; None when some pattern needs no word at all."""
    found = []
    for pattern in patterns:
        try:
            parsed = _parser.parse(pattern, re.IGNORECASE)
        except re.error:
            return None
        needs = _of_sequence(list(parsed))
        if not needs:
            return None
        found.append(tuple(frozenset(words) for words in needs))
    return tuple(found)


def satisfied(needs: tuple[Needs, ...], lowered: str) -> bool:
    """Whether some pattern may match `lowered` (a text, lowercase): it has a word of each of the pattern's sets."""
    return any(all(any(w in lowered for w in words) for words in need) for need in needs)


def telling_words(needs: tuple[Needs, ...]) -> frozenset[str]:
    """Per pattern its set of longest words (rarest in ordinary text); every match contains one of the union."""
    return frozenset().union(*(max(need, key=lambda words: min(len(w) for w in words)) for need in needs))


def _of_sequence(items: Sequence[tuple[Any, Any]]) -> list[set[str]]:
    """Every word set a sequence needs: its runs of literal characters and its mandatory groups' needs."""
    needs: list[set[str]] = []
    run: list[str] = []
    for op, value in [*items, (None, None)]:
        if op is sre.LITERAL:
            run.append(chr(value).lower())
            continue
        if run:
            needs.append({"".join(run)})
        run = []
        needs.extend(_of_item(op, value))
    return needs


def _of_item(op: Any, value: Any) -> list[set[str]]:
    if op is sre.SUBPATTERN:
        return _of_sequence(list(value[-1]))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
        return _of_sequence(list(value[2]))
    if op is sre.BRANCH:
        words: set[str] = set()
        for branch in value[1]:
            inner = _of_sequence(list(branch))
            if not inner:
                return []
            words |= max(inner, key=lambda w: min(len(x) for x in w))
        return [words]
    return []
