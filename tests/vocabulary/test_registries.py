"""The registries' facts agree with the documented ones the clients and the engine use, and with the emulator's reading."""

from __future__ import annotations

from runner import api_facts as facts
from runner.sandbox.docs_facts import heygen as heygen_docs
from runner.sandbox.docs_facts import tiktok as tiktok_docs
from runner.vocabulary.kinds import JobKind, kind, twin_kinds
from runner.vocabulary.providers import HEYGEN, TIKTOK, ZEGO, default_provider, provider, secret_variables


def test_provider_entries_match_the_documented_facts() -> None:
    assert provider(TIKTOK).default_base_url == "https://business-api.tiktok.com/open_api/v1.3"
    assert provider(HEYGEN).default_base_url == "https://api.heygen.com"
    assert provider(ZEGO).default_base_url == "https://aigc-digitalhuman-api.zegotech.cn"
    assert provider(TIKTOK).script_max_chars == tiktok_docs.SCRIPT_MAX_CHARS
    assert provider(HEYGEN).script_max_chars == heygen_docs.SCRIPT_MAX_CHARS
    assert default_provider() == TIKTOK and provider(TIKTOK).account == "TIKTOK_ADVERTISER_ID"
    assert secret_variables() == ("TIKTOK_ACCESS_TOKEN", "HEYGEN_API_KEY", "ZEGO_SERVER_SECRET")


def test_kind_costs_match_the_documented_limits_and_times() -> None:
    avatar, refresh, heygen = kind(JobKind.AVATAR_VIDEO), kind(JobKind.REFRESH_VIDEO), kind(JobKind.HEYGEN_VIDEO)
    assert avatar.costs.create_batch == facts.MAX_PACKAGES_PER_CREATE
    assert avatar.costs.poll_batch == refresh.costs.poll_batch == facts.MAX_TASK_IDS_PER_GET
    assert refresh.costs.creates_per_minute == facts.REFRESH_CREATE_QPM
    assert refresh.costs.processing_seconds == tiktok_docs.REFRESH_PROCESSING_SECONDS
    assert heygen.costs.processing_seconds == max(heygen_docs.RENDER_TYPICAL_MINUTES) * 60  # "typically 5-15 minutes"
    assert [k.name for k in twin_kinds()] == [JobKind.HEYGEN_AVATAR]
    assert provider(TIKTOK).video_kind == JobKind.AVATAR_VIDEO and provider(HEYGEN).video_kind == JobKind.HEYGEN_VIDEO
