"""The registries' facts agree with the documented ones the clients and the engine use (runner/api_facts.py)."""

from __future__ import annotations

from runner import api_facts as facts
from runner.vocabulary.kinds import JobKind, kind, twin_kinds
from runner.vocabulary.providers import HEYGEN, TIKTOK, ZEGO, default_provider, provider, secret_variables


def test_provider_entries_match_the_documented_facts() -> None:
    assert provider(TIKTOK).default_base_url == facts.TIKTOK_DEFAULT_BASE_URL
    assert provider(HEYGEN).default_base_url == facts.HEYGEN_DEFAULT_BASE_URL
    assert provider(ZEGO).default_base_url == facts.ZEGO_DEFAULT_BASE_URL
    assert provider(TIKTOK).script_max_chars == facts.SCRIPT_MAX_CHARS
    assert provider(HEYGEN).script_max_chars == facts.HEYGEN_SCRIPT_MAX_CHARS
    assert default_provider() == TIKTOK and provider(TIKTOK).account == "TIKTOK_ADVERTISER_ID"
    assert secret_variables() == ("TIKTOK_ACCESS_TOKEN", "HEYGEN_API_KEY", "ZEGO_SERVER_SECRET")


def test_kind_costs_match_the_documented_limits_and_times() -> None:
    avatar, refresh, heygen = kind(JobKind.AVATAR_VIDEO), kind(JobKind.REFRESH_VIDEO), kind(JobKind.HEYGEN_VIDEO)
    assert avatar.costs.create_batch == facts.MAX_PACKAGES_PER_CREATE
    assert avatar.costs.poll_batch == refresh.costs.poll_batch == facts.MAX_TASK_IDS_PER_GET
    assert refresh.costs.creates_per_minute == facts.REFRESH_CREATE_QPM
    assert refresh.costs.processing_seconds == facts.REFRESH_PROCESSING_SECONDS
    assert heygen.costs.processing_seconds == facts.HEYGEN_PROCESSING_SECONDS
    assert [k.name for k in twin_kinds()] == [JobKind.HEYGEN_AVATAR]
    assert provider(TIKTOK).video_kind == JobKind.AVATAR_VIDEO and provider(HEYGEN).video_kind == JobKind.HEYGEN_VIDEO
