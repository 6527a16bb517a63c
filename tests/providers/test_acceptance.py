"""Issue acceptance: exactly-once listing under faults, pacing without refusals, no secret anywhere, the CLI catalog."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from runner.clock import RealClock
from runner.providers.config import settings_from_env
from runner.providers.heygen import HeyGenClient
from runner.providers.retry import RetryPolicy
from runner.providers.tiktok import TikTokClient
from runner.providers.zego import ZegoClient
from tests.fake_clock import FakeClock


@pytest.mark.parametrize("kind", [TikTokClient, HeyGenClient, ZegoClient])
def test_whole_catalog_exactly_once_under_20_percent_faults(sandbox_factory: Any, kind: Any) -> None:
    clean = sandbox_factory(speed=0.001)
    expected = [(a.id, a.name) for a in kind(settings_from_env(clean.env()), clock=RealClock()).list_avatars()]
    clock = FakeClock(start=time.time())  # shared: backoffs and pacing take no real time, and the server agrees
    faulty = sandbox_factory(speed=0.001, fault_rate=0.25, slow_rate=0.05, seed=11, clock=clock)
    c = kind(settings_from_env(faulty.env()), clock=clock, retry=RetryPolicy(max_attempts=12, base=0.5, cap=5))
    for _ in range(8):  # several listings, so that faults hit first pages, later pages and retries
        got = [(a.id, a.name) for a in c.list_avatars()]
        assert got == expected and len(set(got)) == len(got) > 20
    assert faulty.stats()["faults"] >= 2


def test_burst_of_50_refresh_creates_draws_no_rate_limit_refusal(sandbox_factory: Any) -> None:
    clock = FakeClock(start=time.time())  # shared by server and client: 10 minutes of 1 QPS / 5 QPM pass at once
    sb = sandbox_factory(clock=clock)
    c = TikTokClient(settings_from_env(sb.env()), clock=clock)
    stock = c.upload_video_by_url(sb.asset_url())
    ids = [c.create_refresh_task(stock, ["SWAP_MUSIC"], None) for _ in range(50)]
    stats = sb.stats()
    assert len(ids) == 50 and stats["refresh_tasks_created"] == 50
    assert stats["rate_limited_total"] == 0, stats["rate_limited"]


SECRETS = {
    "TIKTOK_ACCESS_TOKEN": "tt-secret-4f9a1c",
    "HEYGEN_API_KEY": "hg-secret-77b2e0",
    "ZEGO_SERVER_SECRET": "zg-secret-90d3aa",
}


def _assert_clean(text: str) -> None:
    for secret in SECRETS.values():
        assert secret not in text


def test_no_secret_in_output_logs_or_exceptions(sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    env = {**os.environ, **SECRETS, "ZEGO_APP_ID": "1000001"}
    cases = [
        {**env, "TIKTOK_API_BASE_URL": sandbox.tiktok_url},  # wrong token: 40105
        {**env, "TIKTOK_API_BASE_URL": "http://127.0.0.1:9/open_api/v1.3", "CAMPAIGN_TRANSIENT_SECONDS": "2"},
        {**env, "HEYGEN_API_BASE_URL": sandbox.heygen_url, "PROVIDER": "heygen"},
        {**env, "ZEGO_API_BASE_URL": sandbox.zego_url, "PROVIDER": "zego"},
    ]
    for case in cases:
        provider = case.pop("PROVIDER", "tiktok")
        result = subprocess.run(
            [sys.executable, "-m", "runner", "avatars", "--provider", provider],
            env={**case, "CAMPAIGN_DEBUG": "1"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1, result.stderr
        _assert_clean(result.stdout + result.stderr)
    caplog.set_level(logging.DEBUG)
    settings = settings_from_env(
        {
            **SECRETS,
            "ZEGO_APP_ID": "1000001",
            "TIKTOK_API_BASE_URL": sandbox.tiktok_url,
            "HEYGEN_API_BASE_URL": sandbox.heygen_url,
            "ZEGO_API_BASE_URL": sandbox.zego_url,
        }
    )
    _assert_clean(repr(settings) + str(settings))
    for kind in (TikTokClient, HeyGenClient, ZegoClient):
        with pytest.raises(Exception) as info:
            kind(settings, clock=RealClock(), retry=RetryPolicy(max_attempts=2)).list_avatars()
        _assert_clean(str(info.value) + repr(info.value) + repr(info.value.args))
    _assert_clean(caplog.text)


def test_cli_lists_the_88_seeded_avatars() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "runner", "avatars", "--provider", "tiktok", "--sandbox", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    avatars = json.loads(result.stdout)
    assert (
        len(avatars) == 88
        and {"id": "7295759871838797825", "name": "Tom in blue shirt", "provider": "tiktok"} in avatars
    )
