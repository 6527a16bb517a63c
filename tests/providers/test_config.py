"""Provider settings come from every registered provider's entry: its base URL variable and its credentials."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner.errors import ConfigError
from runner.providers.config import ProviderSettings, settings_from_env
from runner.vocabulary.providers import HEYGEN, TIKTOK, Credential, ProviderSpec, register_provider, unregister_provider


@pytest.fixture
def acme() -> Iterator[ProviderSpec]:
    spec = register_provider(
        ProviderSpec(
            "acme",
            "Acme",
            "ACME_API_BASE_URL",
            "https://api.acme.test/v2",
            (Credential("ACME_KEY"), Credential("ACME_ACCOUNT", secret=False, required=False, world=True)),
            "runner.providers.zego:ZegoClient",
        )
    )
    yield spec
    unregister_provider(spec.name)


def test_base_urls_default_to_the_entries_and_credentials_read_as_set() -> None:
    settings = settings_from_env({"HEYGEN_API_BASE_URL": "http://127.0.0.1:9", "TIKTOK_ACCESS_TOKEN": "tok"})
    assert settings.base_url(TIKTOK) == "https://business-api.tiktok.com/open_api/v1.3"
    assert settings.base_url(HEYGEN) == "http://127.0.0.1:9"
    assert settings.credential("TIKTOK_ACCESS_TOKEN") == "tok" and settings.credential("HEYGEN_API_KEY") is None
    settings.require(TIKTOK)
    with pytest.raises(ConfigError, match="heygen credentials are not set: export HEYGEN_API_KEY "):
        settings.require(HEYGEN)


def test_empty_values_are_unset_and_the_repr_shows_no_secret() -> None:
    settings = ProviderSettings({"TIKTOK_ACCESS_TOKEN": "", "HEYGEN_API_KEY": "key-hidden-1", "ZEGO_APP_ID": "42"})
    assert settings.credential("TIKTOK_ACCESS_TOKEN") is None
    assert "hidden" not in repr(settings) and "ZEGO_APP_ID=42" in repr(settings)


def test_a_registered_provider_is_checked_and_required_by_its_entry(acme: ProviderSpec) -> None:
    with pytest.raises(ConfigError, match="ACME_API_BASE_URL is not a usable base URL"):
        settings_from_env({"ACME_API_BASE_URL": "ftp://acme"})
    with pytest.raises(ConfigError, match="ACME_KEY starts or ends with whitespace"):
        settings_from_env({"ACME_KEY": "key\n"})
    settings = settings_from_env({"ACME_ACCOUNT": "7"})
    assert settings.base_url("acme") == "https://api.acme.test/v2"
    with pytest.raises(ConfigError, match="acme credentials are not set: export ACME_KEY "):
        settings.require("acme")
