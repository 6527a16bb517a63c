"""Every fact in runner/sandbox/docs_facts/tiktok.py, read back from the TikTok docs (or DESIGN.md) where stated."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from runner.sandbox.docs_facts import tiktok as facts
from tests.sandbox.docs_facts.conftest import DocText, number, section, stated

AVATAR = "tiktok-digital-avatar-api.md"
REFRESH = "tiktok-refresh-ads-api.md"
PAGE_DEFAULT = r"Current page number\. Default value: (\d+)\. Value range: ≥ (\d+)"
PAGE_SIZE = r"Page size\. Default value: (\d+)\. Value range: (\d+)-(\d+)"
TASK_IDS = r"Max size: (\d+)"


def _codes_before(design: str, meaning: str) -> set[int]:
    """The return codes DESIGN.md lists before `= meaning`."""
    listed = re.search(r"((?:\d{5}(?:–\d{5})?(?:, | / |,? and )?)+)[^=]{0,30}= " + re.escape(meaning), design)
    assert listed is not None, meaning
    return {int(code) for code in re.findall(r"\d{5}", listed.group(1))}


def _strftime(layout: str) -> str:
    """`YYYYMMDDHHMMSS` as a strftime format: the first MM is the month, the second the minutes."""
    fields = iter(("%Y", "%m", "%d", "%H", "%M", "%S"))
    tokens = re.findall(r"YYYY|MM|DD|HH|SS", layout)
    assert "".join(tokens) == layout == "YYYYMMDDHHMMSS"
    return "".join(next(fields) for _ in tokens)


def _hook_types(refresh: str) -> tuple[str, ...]:
    hooks = section(refresh, "hook_type string", "product_category Conditional")
    return tuple(re.findall(r"([A-Z_]{4,}): (?:An?|Recommended)\b", hooks))


def _recommended(refresh: str) -> tuple[str, ...]:
    (count, names) = stated(
        refresh, "RECOMMENDED: Recommended.", r"Generate (\w+) videos, 1 video for each of .*?: (.*?)\."
    )
    types = tuple(re.findall(r"[A-Z_]{4,}", names))
    assert number(count) == len(types)
    return types


def _combinations(refresh: str) -> tuple[frozenset[str], ...]:
    listed = section(refresh, "The available combinations of strategies are:", "add_hook object")
    return tuple(frozenset(re.findall(r'"([A-Z_]+)"', combo)) for combo in re.findall(r"\[[^\]]*\]", listed))


def _processing_bounds(avatar: str) -> tuple[tuple[int, float], ...]:
    within = re.findall(r"within ([\d,]+) characters, the processing time is usually less than (\d+) seconds", avatar)
    return tuple((number(chars), float(seconds)) for chars, seconds in within)


# fact name -> (where it is stated, how to read it there); each entry reads the value the doc states
STATED: dict[str, tuple[str, Callable[[str], Any]]] = {
    "OK": ("DESIGN.md", lambda d: int(stated(d, "every reply is HTTP 200", r"`code` (\d+) = OK")[0])),
    "TOKEN_MISSING": ("DESIGN.md", lambda d: int(stated(d, "TikTok return codes", r"(\d{5}) = token missing")[0])),
    "TOKEN_INVALID": ("DESIGN.md", lambda d: int(stated(d, "TikTok return codes", r"(\d{5}) = token invalid")[0])),
    "TOKEN_EXPIRED": ("DESIGN.md", lambda d: int(stated(d, "TikTok return codes", r"(\d{5}) = expired")[0])),
    "REFRESH_CREATE_QPS": (REFRESH, lambda d: int(stated(d, "Rate limit", r"limit your calls to (\d+) QPS")[0])),
    "REFRESH_CREATE_QPM": (REFRESH, lambda d: int(stated(d, "Rate limit", r"and (\d+) QPM \(queries per minute\)")[0])),
    "PAGE_DEFAULT": (AVATAR, lambda d: int(stated(d, "page string", PAGE_DEFAULT)[0])),
    "PAGE_MIN": (AVATAR, lambda d: int(stated(d, "page string", PAGE_DEFAULT)[1])),
    "PAGE_SIZE_DEFAULT": (AVATAR, lambda d: int(stated(d, "page_size string", PAGE_SIZE)[0])),
    "PAGE_SIZE_MIN": (AVATAR, lambda d: int(stated(d, "page_size string", PAGE_SIZE)[1])),
    "PAGE_SIZE_MAX": (AVATAR, lambda d: int(stated(d, "page_size string", PAGE_SIZE)[2])),
    "MAX_PACKAGES_PER_CREATE": (AVATAR, lambda d: int(stated(d, "material_packages Required", r"Max size: (\d+)")[0])),
    "MAX_TASK_IDS_PER_GET": (
        AVATAR,
        lambda d: int(stated(d, "The ID list of digital avatar video tasks", TASK_IDS)[0]),
    ),
    "SCRIPT_MAX_CHARS": (
        AVATAR,
        lambda d: number(stated(d, "The words that you want", r"Length limit: ([\d,]+) characters")[0]),
    ),
    "VIDEO_NAME_MAX_CHARS": (
        AVATAR,
        lambda d: number(stated(d, "The name for the digital avatar video", r"Length limit: ([\d,]+) characters")[0]),
    ),
    "RENAME_MIN_CHARS": (AVATAR, lambda d: int(stated(d, "The new name for", r"Length limit: (\d+)-(\d+)")[0])),
    "RENAME_MAX_CHARS": (AVATAR, lambda d: int(stated(d, "The new name for", r"Length limit: (\d+)-(\d+)")[1])),
    "PREVIEW_URL_TTL_SECONDS": (
        AVATAR,
        lambda d: 3600 * number(stated(d, "The preview URL of the generated", r"Validity period: (\w+) hours")[0]),
    ),
    "TASK_STATUSES": (AVATAR, lambda d: tuple(dict.fromkeys(re.findall(r"([A-Z]+): The task", d)))),
    "DEFAULT_NAME_TIME_FORMAT": (AVATAR, lambda d: _strftime(stated(d, "video_name string", r"-\{([YMDHS]+)\}-")[0])),
    "DEFAULT_NAME_RANDOM_CHARS": (AVATAR, lambda d: number(stated(d, "project-{", r"\{(\w+) random characters\}")[0])),
    "AVATAR_VIDEO_NAME_PREFIX": (AVATAR, lambda d: stated(d, "video_name string", r'"(\w+)-\{YYYYMMDDHHMMSS\}')[0]),
    "AVATAR_PROCESSING_BOUNDS": (AVATAR, _processing_bounds),
    "AVATAR_PROCESSING_LONG_SECONDS": (
        AVATAR,
        lambda d: float(stated(d, "exceeds 1,000 characters", r"usually less than (\d+) seconds")[0]),
    ),
    "UPLOAD_TYPES": (REFRESH, lambda d: tuple(stated(d, "Video upload method.", r"Enum values: ([A-Z_]+)\."))),
    "USE_SCENARIOS": (REFRESH, lambda d: tuple(stated(d, "The use scenario for the video.", r"Enum value: ([A-Z]+)"))),
    "UPLOAD_TIMEOUT_SECONDS": (
        REFRESH,
        lambda d: float(stated(d, "Upload videos", r"Request timeout for this interface is (\d+) seconds")[0]),
    ),
    "REFRESH_INPUT_MIN_SECONDS": (
        REFRESH,
        lambda d: float(stated(d, "video_id Required", r"Duration: must be between (\d+) and (\d+) seconds")[0]),
    ),
    "REFRESH_INPUT_MAX_SECONDS": (
        REFRESH,
        lambda d: float(stated(d, "video_id Required", r"Duration: must be between (\d+) and (\d+) seconds")[1]),
    ),
    "REFRESH_PROCESSING_SECONDS": (
        REFRESH,
        lambda d: 60.0 * number(stated(d, "Create a video refreshing task", r"usually within (\w+) minute")[0]),
    ),
    "AIGC_VIDEO_TYPES": (REFRESH, lambda d: tuple(stated(d, "aigc_video_type string", r"Enum value: • ([A-Z_]+):"))),
    "REFRESH_VIDEO_NAME_PREFIX": (REFRESH, lambda d: stated(d, "video_name string", r"Example: ([a-z_]+)-\d{14}")[0]),
    "REFRESH_STRATEGIES": (
        REFRESH,
        lambda d: tuple(
            re.findall(r"• ([A-Z_]+): ", section(d, "video_refresh_strategy_list Required", "The available"))
        ),
    ),
    "REFRESH_STRATEGY_COMBINATIONS": (REFRESH, _combinations),
    "HOOK_TYPES": (REFRESH, _hook_types),
    "RECOMMENDED_HOOK_TYPES": (REFRESH, _recommended),
    "PRODUCT_DESCRIPTION_MAX_CHARS": (
        REFRESH,
        lambda d: number(stated(d, "A description of the product", r"Length limit: ([\d,]+) characters")[0]),
    ),
    "PRODUCT_CATEGORIES": (
        REFRESH,
        lambda d: tuple(
            re.findall(r"\b[A-Z]{2,}(?:_[A-Z]+)*\b", section(d, "product_category value Category", "None"))
        ),
    ),
    "HOLIDAY_HOOK_TYPE": (REFRESH, lambda d: stated(d, "hook_type string", r"([A-Z]+): A holiday theme hook")[0]),
    "HOLIDAY_THEMES": (
        REFRESH,
        lambda d: tuple(re.findall(r"([A-Z_]{3,}): ", section(d, "includes HOLIDAY. Enum values:", "List of values"))),
    ),
}

# The docs do not state these; each is a sandbox reading checked against what DESIGN.md does say.
CHOSEN = {
    "RATE_LIMITED": lambda d: facts.RATE_LIMITED in _codes_before(d, "too many requests"),
    "SERVER_ERROR": lambda d: facts.SERVER_ERROR in _codes_before(d, "transient"),
    "SERVER_BUSY": lambda d: facts.SERVER_BUSY in _codes_before(d, "transient"),
    # "every other 4xxxx = permanent for that request": a bad parameter or an unusable URL fails the request
    "BAD_PARAM": lambda d: "every other 4xxxx = permanent" in d and _permanent(d, facts.BAD_PARAM),
    "URL_UNREACHABLE": lambda d: _permanent(d, facts.URL_UNREACHABLE),
    "URL_INVALID_MEDIA": lambda d: _permanent(d, facts.URL_INVALID_MEDIA),
    # "Global rate limits are applicable": the tier's number is on a page the docs only link to
    "APP_QPS": lambda d: facts.APP_QPS > facts.REFRESH_CREATE_QPS,
}


def _permanent(design: str, code: int) -> bool:
    special = {*_codes_before(design, "too many requests"), *_codes_before(design, "transient")}
    special |= {facts.TOKEN_MISSING, facts.TOKEN_INVALID, facts.TOKEN_EXPIRED}
    return 40000 <= code < 50000 and code not in special


def test_every_fact_is_read_back_or_marked_as_chosen() -> None:
    public = {name for name in vars(facts) if name.isupper()}
    assert public == set(STATED) | set(CHOSEN)
    assert not set(STATED) & set(CHOSEN)


@pytest.mark.parametrize("name", sorted(STATED))
def test_fact_matches_the_doc(doc: DocText, name: str) -> None:
    where, read = STATED[name]
    assert getattr(facts, name) == read(doc(where))


@pytest.mark.parametrize("name", sorted(CHOSEN))
def test_chosen_fact_fits_design(doc: DocText, name: str) -> None:
    assert CHOSEN[name](doc("DESIGN.md"))


def test_documented_examples_of_default_names(doc: DocText) -> None:
    at = dt.datetime(2023, 12, 5, 9, 42, 38, tzinfo=dt.UTC).strftime(facts.DEFAULT_NAME_TIME_FORMAT)
    assert f"{facts.AVATAR_VIDEO_NAME_PREFIX}-{at}-cDc" in doc(AVATAR)
    assert facts.AIGC_VIDEO_TYPES[0].lower() == facts.REFRESH_VIDEO_NAME_PREFIX  # "(lower case){aigc_video_type}"


def test_refresh_task_ids_limit_matches_the_refresh_doc(doc: DocText) -> None:
    stated_max = stated(doc(REFRESH), "The IDs of video refreshing tasks to retrieve", TASK_IDS)[0]
    assert int(stated_max) == facts.MAX_TASK_IDS_PER_GET


def test_design_repeats_the_avatar_limits(doc: DocText) -> None:
    design = doc("DESIGN.md")
    assert f"≤{facts.MAX_PACKAGES_PER_CREATE} material packages per call" in design
    assert f"script ≤{facts.SCRIPT_MAX_CHARS:,} chars" in design
    assert f"video_name ≤{facts.VIDEO_NAME_MAX_CHARS}" in design
    assert f"≤{facts.MAX_TASK_IDS_PER_GET} ids per call" in design
    assert f"{facts.REFRESH_CREATE_QPS} QPS and {facts.REFRESH_CREATE_QPM} QPM per app" in design
    assert f"preview URLs live {facts.PREVIEW_URL_TTL_SECONDS // 3600} hours" in design


@pytest.mark.parametrize(
    ("chars", "seconds"), [(0, 100.0), (400, 100.0), (401, 200.0), (1000, 200.0), (1001, 500.0), (2000, 500.0)]
)
def test_avatar_processing_bound(chars: int, seconds: float) -> None:
    assert facts.avatar_processing_bound(chars) == seconds
