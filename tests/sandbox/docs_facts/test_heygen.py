"""Every fact in runner/sandbox/docs_facts/heygen.py, read back from the HeyGen docs (or DESIGN.md) where stated."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from runner.sandbox.docs_facts import heygen as facts
from tests.sandbox.docs_facts.conftest import DocText, number, stated

VIDEOS = "heygen-v3-videos.md"
GROUPS = "heygen-list-avatar-groups.md"
KEY = r"`Idempotency-Key` header \((\d+)–(\d+) of `\[([^\]]+)\]`\)"
PAGE = r"limitintegerNo(\d+)Results per page \((\d+)–(\d+)\)"


def _ticked(listing: str) -> tuple[str, ...]:
    return tuple(re.findall(r"`([^`]+)`", listing))


STATED: dict[str, tuple[str, Callable[[str], Any]]] = {
    "VIDEO_TYPE": (
        VIDEOS,
        lambda d: stated(d, "POST /v3/videos", r'`type` is the constant `"(\w+)"` and is \*\*required')[0],
    ),
    "SCRIPT_MIN_CHARS": (
        VIDEOS,
        lambda d: number(stated(d, "POST /v3/videos", r"`script` \(([\d,]+)–([\d,]+) char")[0]),
    ),
    "SCRIPT_MAX_CHARS": (
        VIDEOS,
        lambda d: number(stated(d, "POST /v3/videos", r"`script` \(([\d,]+)–([\d,]+) char")[1]),
    ),
    "ASPECT_RATIOS": (VIDEOS, lambda d: _ticked(stated(d, "Optional:", r"`aspect_ratio` \(([^;]+);")[0])),
    "DEFAULT_ASPECT_RATIO": (VIDEOS, lambda d: stated(d, "`aspect_ratio` (", r"; default `([^`]+)`\)")[0]),
    "VIDEO_STATUSES": (VIDEOS, lambda d: _ticked(stated(d, "GET /v3/videos/{video_id}", r"`status` in ([^;]+);")[0])),
    "IDEMPOTENCY_KEY_MIN_CHARS": (VIDEOS, lambda d: int(stated(d, "POST /v3/videos", KEY)[0])),
    "IDEMPOTENCY_KEY_MAX_CHARS": (VIDEOS, lambda d: int(stated(d, "POST /v3/videos", KEY)[1])),
    "IDEMPOTENCY_KEY_CHARACTERS": (VIDEOS, lambda d: stated(d, "POST /v3/videos", KEY)[2]),
    "IDEMPOTENCY_WINDOW_SECONDS": (
        VIDEOS,
        lambda d: 3600 * int(stated(d, "`Idempotency-Key` header", r"a repeat of the key within (\d+) hours")[0]),
    ),
    "PAGE_LIMIT_DEFAULT": (GROUPS, lambda d: int(stated(d, "Query Parameters", PAGE)[0])),
    "PAGE_LIMIT_MIN": (GROUPS, lambda d: int(stated(d, "Query Parameters", PAGE)[1])),
    "PAGE_LIMIT_MAX": (GROUPS, lambda d: int(stated(d, "Query Parameters", PAGE)[2])),
    "MAX_RENDERS_IN_PROGRESS": (
        VIDEOS,
        lambda d: int(stated(d, "## Limits", r"at most (\d+) generation jobs in progress at once")[0]),
    ),
    "RENDER_TYPICAL_MINUTES": (
        VIDEOS,
        lambda d: tuple(int(m) for m in stated(d, "## Limits", r"Renders typically take (\d+)–(\d+) minutes")),
    ),
}

# Not stated in the docs: each is a sandbox choice, checked for what the docs do say about it.
CHOSEN: dict[str, Callable[[str], bool]] = {
    "QPS": lambda d: "No per-second request rate is documented for v3" in d,
    # kept under the documented 5-15 minutes until the client's scheduler paces its polls for that
    "RENDER_SECONDS": lambda d: 60 * facts.RENDER_TYPICAL_MINUTES[0] > facts.RENDER_SECONDS,
}


def test_every_fact_is_read_back_or_marked_as_chosen() -> None:
    public = {name for name in vars(facts) if name.isupper()}
    assert public == set(STATED) | set(CHOSEN)
    assert not set(STATED) & set(CHOSEN)


@pytest.mark.parametrize("name", sorted(STATED))
def test_fact_matches_the_doc(doc: DocText, name: str) -> None:
    where, read = STATED[name]
    assert getattr(facts, name) == read(doc(where))


@pytest.mark.parametrize("name", sorted(CHOSEN))
def test_chosen_fact_is_what_the_doc_leaves_open(doc: DocText, name: str) -> None:
    assert CHOSEN[name](doc(VIDEOS))


def test_design_repeats_the_limits(doc: DocText) -> None:
    design = doc("DESIGN.md")
    assert f'`type: "{facts.VIDEO_TYPE}"` (required)' in design
    assert f"script ≤{facts.SCRIPT_MAX_CHARS:,} chars" in design
    assert f"`limit` {facts.PAGE_LIMIT_MIN}–{facts.PAGE_LIMIT_MAX}" in design
    assert f"replays the first reply for {facts.IDEMPOTENCY_WINDOW_SECONDS // 3600} h" in design
    assert f"≤{facts.MAX_RENDERS_IN_PROGRESS} renders in progress" in design
