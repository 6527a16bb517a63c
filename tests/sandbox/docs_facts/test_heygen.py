"""Every fact in runner/sandbox/docs_facts/heygen.py, read back from the HeyGen docs (or DESIGN.md) where stated."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from runner.sandbox.docs_facts import heygen as facts
from tests.sandbox.docs_facts.conftest import DocText, number, section, stated

VIDEOS = "heygen-v3-videos.md"
GROUPS = "heygen-list-avatar-groups.md"
KEY = r"`Idempotency-Key` header \((\d+)–(\d+) of `\[([^\]]+)\]`\)"
PAGE = r"limitintegerNo(\d+)Results per page \((\d+)–(\d+)\)"
LIST_LIMIT = r"`limit` (\d+)–(\d+) \(default (\d+)\)"


def _ticked(listing: str) -> tuple[str, ...]:
    return tuple(re.findall(r"`([^`]+)`", listing))


def _avatar_fields(doc: str) -> tuple[str, ...]:
    """Every field name ticked in the create section, without the values of its enums."""
    create = section(doc, "## POST /v3/videos", "- Reply:")
    values = {*facts.RESOLUTIONS, *facts.ASPECT_RATIOS, *facts.OUTPUT_FORMATS, *facts.ENGINES}
    names = (name for name in _ticked(create) if re.fullmatch(r"[a-z_]+", name) and name not in values)
    return tuple(dict.fromkeys(names))


def _range(text: str) -> tuple[float, float]:
    low, high = (float(n.replace("−", "-")) for n in re.split(r"–|…", text))
    return low, high


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
    "AVATAR_FIELDS": (VIDEOS, lambda d: tuple(sorted(_avatar_fields(d)))),
    "AUDIO_FIELDS": (
        VIDEOS,
        lambda d: _ticked(stated(d, "POST /v3/videos", r"Audio \(([^)]+)\) is the alternative")[0]),
    ),
    "RESOLUTIONS": (VIDEOS, lambda d: _ticked(stated(d, "Optional:", r"`resolution` \(([^)]+)\)")[0])),
    "ASPECT_RATIOS": (VIDEOS, lambda d: _ticked(stated(d, "Optional:", r"`aspect_ratio` \(([^;]+);")[0])),
    "OUTPUT_FORMATS": (VIDEOS, lambda d: _ticked(stated(d, "Optional:", r"`output_format` \(([^)]+)\)")[0])),
    "ENGINES": (VIDEOS, lambda d: _ticked(stated(d, "Optional:", r"`engine` \(([^)]+)\)")[0])),
    "VOICE_SPEED": (VIDEOS, lambda d: _range(stated(d, "`voice_settings`", r"speed ([\d.]+–[\d.]+)")[0])),
    "VOICE_PITCH": (VIDEOS, lambda d: _range(stated(d, "`voice_settings`", r"pitch (−?\d+…\d+)")[0])),
    "DEFAULT_ASPECT_RATIO": (VIDEOS, lambda d: stated(d, "`aspect_ratio` (", r"; default `([^`]+)`\)")[0]),
    "VIDEO_STATUSES": (VIDEOS, lambda d: _ticked(stated(d, "GET /v3/videos/{video_id}", r"`status` in ([^;]+);")[0])),
    "VIDEO_LIST_LIMIT_MIN": (VIDEOS, lambda d: int(stated(d, "GET /v3/videos (list)", LIST_LIMIT)[0])),
    "VIDEO_LIST_LIMIT_MAX": (VIDEOS, lambda d: int(stated(d, "GET /v3/videos (list)", LIST_LIMIT)[1])),
    "VIDEO_LIST_LIMIT_DEFAULT": (VIDEOS, lambda d: int(stated(d, "GET /v3/videos (list)", LIST_LIMIT)[2])),
    "NOT_FOUND": (VIDEOS, lambda d: stated(d, "GET /v3/videos/{video_id}", r"Unknown id: 404 `(\w+)`")[0]),
    "RATE_LIMITED": (VIDEOS, lambda d: stated(d, "## Auth and errors", r"429 \(`(\w+)`\) carries `Retry-After`")[0]),
    "REQUEST_IN_PROGRESS": (VIDEOS, lambda d: stated(d, "`Idempotency-Key` header", r"gets 409 `(\w+)`")[0]),
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


# From HeyGen's reference, which the summary in api-docs names as its source but does not copy: there is
# no local text to read them back from, so each names where it was read (see the module's docstring).
REFERENCE: dict[str, str] = {
    "REFERENCE_AVATAR_FIELDS": "reference/create-video: CreateVideoFromAvatar's properties",
    "FIT_MODES": "reference/create-video: `fit` (contain, cover)",
    "EXPRESSIVENESS_LEVELS": "external-api.json: Expressiveness enum",
    "BACKGROUND_TYPES": "external-api.json: BackgroundSetting.type enum",
    "CREATE_STATUS": "external-api.json: CreateAvatarVideoResponse.status example",
    "FAILURE_CODE": "external-api.json: VideoDetail.failure_code example",
}


def test_every_fact_is_read_back_or_marked_as_chosen() -> None:
    public = {name for name in vars(facts) if name.isupper()}
    assert public == set(STATED) | set(CHOSEN) | set(REFERENCE)
    assert not set(STATED) & set(CHOSEN) and not (set(STATED) | set(CHOSEN)) & set(REFERENCE)


def test_reference_facts_are_the_ones_the_summary_leaves_out(doc: DocText) -> None:
    summary = doc(VIDEOS)
    assert "external-api.json" in summary and "developers.heygen.com/reference/create-video" in summary
    assert not any(f"`{field}`" in summary for field in facts.REFERENCE_AVATAR_FIELDS)
    assert not set(facts.REFERENCE_AVATAR_FIELDS) & set(facts.AVATAR_FIELDS)
    assert facts.CREATE_STATUS not in facts.VIDEO_STATUSES  # "the first status need not be one of the GET statuses"


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
