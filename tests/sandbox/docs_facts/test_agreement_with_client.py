"""The emulator's reading of the docs against the client's (runner/api_facts.py, the registries, the schema).

Known differences, where the emulator follows the docs:
- HeyGen `aspect_ratio`: the docs list 16:9, 9:16, 4:5, 5:4, 1:1 and auto; the client knows three. The
  emulator accepts every documented value, so it accepts all of the client's.
- HeyGen render time: both read the documented 5-15 minutes (the client paces polls and the plan's ETA by
  the upper bound); the emulator renders in 120 s at full speed, a sandbox choice (see its facts).
"""

from __future__ import annotations

from typing import Any

import pytest

from runner import api_facts as client
from runner.campaignfile.schema import CAMPAIGN_SCHEMA
from runner.providers.tiktok import task_status
from runner.sandbox.docs_facts import heygen, tiktok, zego
from runner.vocabulary.kinds import JobKind, kind
from runner.vocabulary.providers import HEYGEN, TIKTOK, provider
from runner.vocabulary.tasks import TaskStatus

SAME: list[tuple[Any, str, str]] = [
    (tiktok, "MAX_PACKAGES_PER_CREATE", "MAX_PACKAGES_PER_CREATE"),
    (tiktok, "MAX_TASK_IDS_PER_GET", "MAX_TASK_IDS_PER_GET"),
    (tiktok, "VIDEO_NAME_MAX_CHARS", "VIDEO_NAME_MAX_CHARS"),
    (tiktok, "RENAME_MIN_CHARS", "RENAME_MIN_CHARS"),
    (tiktok, "RENAME_MAX_CHARS", "RENAME_MAX_CHARS"),
    (tiktok, "PAGE_SIZE_MAX", "PAGE_SIZE_MAX"),
    (tiktok, "PREVIEW_URL_TTL_SECONDS", "PREVIEW_URL_TTL_SECONDS"),
    (tiktok, "PRODUCT_DESCRIPTION_MAX_CHARS", "PRODUCT_DESCRIPTION_MAX_CHARS"),
    (tiktok, "REFRESH_STRATEGY_COMBINATIONS", "REFRESH_STRATEGY_COMBINATIONS"),
    (tiktok, "UPLOAD_TIMEOUT_SECONDS", "UPLOAD_TIMEOUT_SECONDS"),
    (tiktok, "REFRESH_INPUT_MIN_SECONDS", "REFRESH_INPUT_MIN_SECONDS"),
    (tiktok, "REFRESH_INPUT_MAX_SECONDS", "REFRESH_INPUT_MAX_SECONDS"),
    (tiktok, "APP_QPS", "TIKTOK_APP_QPS"),
    (tiktok, "REFRESH_CREATE_QPS", "REFRESH_CREATE_QPS"),
    (tiktok, "REFRESH_CREATE_QPM", "REFRESH_CREATE_QPM"),
    (heygen, "PAGE_LIMIT_MIN", "HEYGEN_PAGE_LIMIT_MIN"),
    (heygen, "PAGE_LIMIT_MAX", "HEYGEN_PAGE_LIMIT_MAX"),
    (heygen, "PAGE_LIMIT_DEFAULT", "HEYGEN_PAGE_LIMIT_DEFAULT"),
    (heygen, "DEFAULT_ASPECT_RATIO", "HEYGEN_DEFAULT_ASPECT_RATIO"),
    (heygen, "QPS", "HEYGEN_QPS"),
    (zego, "QPS", "ZEGO_QPS"),
    (zego, "LIMIT_MIN", "ZEGO_LIMIT_MIN"),
    (zego, "LIMIT_MAX", "ZEGO_LIMIT_MAX"),
    (zego, "OFFSET_MAX", "ZEGO_OFFSET_MAX"),
    (zego, "SIGNATURE_WINDOW_SECONDS", "ZEGO_SIGNATURE_WINDOW_SECONDS"),
    (zego, "CODE_OK", "ZEGO_CODE_OK"),
    (zego, "CODE_RATE_LIMITED", "ZEGO_CODE_RATE_LIMITED"),
    (zego, "CODE_INVALID_INPUT", "ZEGO_CODE_INVALID_INPUT"),
    (zego, "CODE_SIGNATURE_EXPIRED", "ZEGO_CODE_SIGNATURE_EXPIRED"),
    (zego, "CODE_SIGNATURE_ERROR", "ZEGO_CODE_SIGNATURE_ERROR"),
    (zego, "CODE_INTERNAL_ERROR", "ZEGO_CODE_INTERNAL_ERROR"),
    (zego, "COMMON_CODES", "ZEGO_COMMON_CODES"),
]


@pytest.mark.parametrize(
    ("emulator", "name", "client_name"), SAME, ids=[f"{m.__name__.rsplit('.', 1)[-1]}.{n}" for m, n, _ in SAME]
)
def test_emulator_and_client_read_the_same(emulator: Any, name: str, client_name: str) -> None:
    assert getattr(emulator, name) == getattr(client, client_name)


def test_facts_the_registries_hold_agree_with_the_emulator() -> None:
    assert provider(TIKTOK).script_max_chars == tiktok.SCRIPT_MAX_CHARS
    assert provider(HEYGEN).script_max_chars == heygen.SCRIPT_MAX_CHARS
    assert kind(JobKind.REFRESH_VIDEO).costs.processing_seconds == tiktok.REFRESH_PROCESSING_SECONDS


def test_every_task_status_word_is_one_the_client_reads() -> None:
    assert all(task_status(word) is not TaskStatus.UNKNOWN for word in tiktok.TASK_STATUSES)


def test_every_hook_type_of_recommended_is_one_video_the_client_expects() -> None:
    assert len(tiktok.RECOMMENDED_HOOK_TYPES) == client.RECOMMENDED_HOOK_VIDEOS


def test_return_codes_the_emulator_sends_are_the_ones_the_client_handles() -> None:
    assert tiktok.RATE_LIMITED in client.RATE_LIMIT_CODES
    assert {tiktok.SERVER_ERROR, tiktok.SERVER_BUSY} <= client.TRANSIENT_CODES
    assert {tiktok.TOKEN_MISSING, tiktok.TOKEN_INVALID, tiktok.TOKEN_EXPIRED} == set(client.AUTH_CODES)
    permanent = {tiktok.BAD_PARAM, tiktok.URL_UNREACHABLE, tiktok.URL_INVALID_MEDIA}
    assert not permanent & (client.RATE_LIMIT_CODES | client.TRANSIENT_CODES | set(client.AUTH_CODES))


@pytest.mark.parametrize("chars", [0, 1, 399, 400, 401, 999, 1000, 1001, 2000])
def test_avatar_processing_bounds_agree(chars: int) -> None:
    assert tiktok.avatar_processing_bound(chars) == client.avatar_processing_bound(chars)


def test_every_aspect_ratio_the_client_sends_is_documented() -> None:
    aspect_ratios = CAMPAIGN_SCHEMA["$defs"]["video_group"]["properties"]["aspect_ratio"]["enum"]
    assert set(aspect_ratios) <= set(heygen.ASPECT_RATIOS)


def test_heygen_facts_in_the_registry_agree_with_the_emulators_reading() -> None:
    entry = provider(HEYGEN)
    assert entry.idempotency_window_seconds == heygen.IDEMPOTENCY_WINDOW_SECONDS
    assert entry.max_in_flight == heygen.MAX_RENDERS_IN_PROGRESS
    assert kind(JobKind.HEYGEN_VIDEO).costs.processing_seconds == max(heygen.RENDER_TYPICAL_MINUTES) * 60
