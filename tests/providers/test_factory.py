"""One factory builds every client: they share the run's transient budget and its rate limiters."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from runner.providers.budget import TransientLimits
from runner.providers.config import ProviderSettings
from runner.providers.errors import TransientBudgetExhausted, TransientError
from runner.providers.factory import ProviderFactory, factory_from_env
from runner.providers.heygen import HeyGenClient
from runner.providers.pacing import PACING_FILE
from runner.providers.tiktok import TikTokClient
from runner.providers.zego import ZegoClient
from runner.vocabulary.providers import ProviderSpec, register_provider, unregister_provider
from tests.fake_clock import FakeClock

RUNNER = Path(__file__).resolve().parents[2] / "runner"
SETTINGS = ProviderSettings(
    {
        "TIKTOK_API_BASE_URL": "https://api.test/open_api/v1.3",
        "TIKTOK_ACCESS_TOKEN": "tok",
        "HEYGEN_API_BASE_URL": "https://heygen.test",
        "HEYGEN_API_KEY": "key",
        "ZEGO_API_BASE_URL": "https://zego.test",
        "ZEGO_APP_ID": "1",
        "ZEGO_SERVER_SECRET": "s",
    }
)


def test_no_client_is_built_outside_the_providers_package() -> None:
    builds = re.compile(r"\b(TikTokClient|HeyGenClient|ZegoClient)\(")
    offenders = [
        str(path.relative_to(RUNNER))
        for path in RUNNER.rglob("*.py")
        if "providers" not in path.relative_to(RUNNER).parts[:1] and builds.search(path.read_text())
    ]
    assert offenders == []


def test_clients_share_one_budget_and_one_app_limiter(tmp_path: Path) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="down")

    factory = ProviderFactory(
        SETTINGS,
        FakeClock(),
        limits=TransientLimits(attempts=10, seconds=1e6),
        state_dir=tmp_path,
        transport=httpx.MockTransport(down),
    )
    first, second = factory.tiktok(), factory.tiktok()
    with pytest.raises(TransientError):
        first.get_avatar_tasks(["1"])  # 8 attempts: the call's own policy
    with pytest.raises(TransientBudgetExhausted):
        second.get_avatar_tasks(["1"])  # 2 more: the budget is the run's, not the client's
    assert factory.request_count() == 10
    assert first._app.limiters[0] is second._app.limiters[0]
    factory.close()
    assert (tmp_path / PACING_FILE).exists()


def test_catalog_picks_the_provider_and_env_settings_flow_in() -> None:
    factory = ProviderFactory(SETTINGS, FakeClock())
    assert isinstance(factory.catalog("tiktok"), TikTokClient)
    assert isinstance(factory.catalog("heygen"), HeyGenClient)
    assert isinstance(factory.catalog("zego"), ZegoClient)
    factory.close()
    env = {"TIKTOK_ACCESS_TOKEN": "tok", "CAMPAIGN_TRANSIENT_ATTEMPTS": "4"}
    with factory_from_env(env, attempts=9, seconds=30.0) as configured:
        assert (configured.budget.limits.attempts, configured.budget.limits.seconds) == (4, 30.0)


def test_a_registered_provider_s_client_is_built_from_its_import_path() -> None:
    spec = ProviderSpec(
        "acme", "Acme", "ACME_API_BASE_URL", "https://acme.test", (), "runner.providers.zego:ZegoClient"
    )
    register_provider(spec)
    try:
        with ProviderFactory(SETTINGS, FakeClock()) as factory:
            assert isinstance(factory.client("acme"), ZegoClient)
            assert isinstance(factory.catalog("acme"), ZegoClient)
    finally:
        unregister_provider("acme")
