"""Base URLs and credentials from the environment, checked before any request."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from runner import api_facts as facts
from runner.errors import ConfigError
from runner.providers.budget import DEFAULT_TRANSIENT_ATTEMPTS, DEFAULT_TRANSIENT_SECONDS, TransientLimits
from runner.settings import campaign_number

HEYGEN_DEFAULT_BASE_URL = facts.HEYGEN_DEFAULT_BASE_URL
ZEGO_DEFAULT_BASE_URL = facts.ZEGO_DEFAULT_BASE_URL


URL_VARIABLES = {
    "tiktok_base_url": "TIKTOK_API_BASE_URL",
    "heygen_base_url": "HEYGEN_API_BASE_URL",
    "zego_base_url": "ZEGO_API_BASE_URL",
}
DEFAULT_URLS = {
    "TIKTOK_API_BASE_URL": facts.TIKTOK_DEFAULT_BASE_URL,
    "HEYGEN_API_BASE_URL": facts.HEYGEN_DEFAULT_BASE_URL,
    "ZEGO_API_BASE_URL": facts.ZEGO_DEFAULT_BASE_URL,
}
CREDENTIAL_VARIABLES = {
    "tiktok_access_token": "TIKTOK_ACCESS_TOKEN",
    "tiktok_advertiser_id": "TIKTOK_ADVERTISER_ID",
    "heygen_api_key": "HEYGEN_API_KEY",
    "zego_app_id": "ZEGO_APP_ID",
    "zego_server_secret": "ZEGO_SERVER_SECRET",
}


def check_base_url(variable: str, value: str) -> None:
    """Refuse a base URL no request could be sent to, naming the variable (before any request)."""
    problem = None
    if any(c.isspace() or not c.isprintable() for c in value):
        problem = "it contains spaces or control characters"
    else:
        try:
            url = httpx.URL(value)
        except httpx.InvalidURL as exc:
            problem = f"it cannot be parsed ({exc})"
        else:
            if url.scheme not in ("http", "https"):
                problem = "it must start with http:// or https://"
            elif not url.host:
                problem = "it has no host name"
            elif url.query or url.fragment:
                problem = "it must not carry a query or fragment"
    if problem:
        raise ConfigError(
            f"{variable} is not a usable base URL: {problem}; "
            f"set it like {DEFAULT_URLS.get(variable, 'https://host/path')}, or unset it for the provider's default"
        )


def check_credential(variable: str, value: str) -> None:
    """Refuse a credential that cannot be sent as typed, naming the variable and never showing any of its characters."""
    if value != value.strip():
        raise ConfigError(
            f"{variable} starts or ends with whitespace or a line break (often a trailing newline "
            "from a file or a copy); set it again without"
        )
    if not all(" " <= c <= "~" for c in value):
        raise ConfigError(
            f"{variable} contains control or non-ASCII characters, which a request header cannot carry; "
            "copy the value again from the provider's console"
        )


@dataclass(frozen=True)
class ProviderSettings:
    """Where each provider lives and the credentials for it."""

    tiktok_base_url: str = facts.TIKTOK_DEFAULT_BASE_URL
    tiktok_access_token: str | None = None
    tiktok_advertiser_id: str | None = None
    heygen_base_url: str = HEYGEN_DEFAULT_BASE_URL
    heygen_api_key: str | None = None
    zego_base_url: str = ZEGO_DEFAULT_BASE_URL
    zego_app_id: str | None = None
    zego_server_secret: str | None = None

    def __repr__(self) -> str:
        def mask(value: str | None) -> str:
            return "unset" if value is None else "***"

        return (
            f"ProviderSettings(tiktok={self.tiktok_base_url} token={mask(self.tiktok_access_token)}, "
            f"heygen={self.heygen_base_url} key={mask(self.heygen_api_key)}, "
            f"zego={self.zego_base_url} app_id={self.zego_app_id} secret={mask(self.zego_server_secret)})"
        )

    __str__ = __repr__

    def __post_init__(self) -> None:
        for field_name, variable in URL_VARIABLES.items():
            check_base_url(variable, getattr(self, field_name))
        for field_name, variable in CREDENTIAL_VARIABLES.items():
            value = getattr(self, field_name)
            if value is not None:
                check_credential(variable, value)

    def require(self, provider: str) -> None:
        """Raise ConfigError naming the variables to set when a provider's credentials are missing."""
        missing = {
            "tiktok": ["TIKTOK_ACCESS_TOKEN"] if not self.tiktok_access_token else [],
            "heygen": ["HEYGEN_API_KEY"] if not self.heygen_api_key else [],
            "zego": [
                n
                for n, v in (("ZEGO_APP_ID", self.zego_app_id), ("ZEGO_SERVER_SECRET", self.zego_server_secret))
                if not v
            ],
        }[provider]
        if missing:
            raise ConfigError(
                f"{provider} credentials are not set: export {' and '.join(missing)} "
                "(or run with --sandbox to use the bundled emulator)"
            )


def settings_from_env(environ: Mapping[str, str] | None = None) -> ProviderSettings:
    """Read DESIGN.md's environment variables."""
    env = os.environ if environ is None else environ
    return ProviderSettings(
        tiktok_base_url=env.get("TIKTOK_API_BASE_URL") or facts.TIKTOK_DEFAULT_BASE_URL,
        tiktok_access_token=env.get("TIKTOK_ACCESS_TOKEN") or None,
        tiktok_advertiser_id=env.get("TIKTOK_ADVERTISER_ID") or None,
        heygen_base_url=env.get("HEYGEN_API_BASE_URL") or HEYGEN_DEFAULT_BASE_URL,
        heygen_api_key=env.get("HEYGEN_API_KEY") or None,
        zego_base_url=env.get("ZEGO_API_BASE_URL") or ZEGO_DEFAULT_BASE_URL,
        zego_app_id=env.get("ZEGO_APP_ID") or None,
        zego_server_secret=env.get("ZEGO_SERVER_SECRET") or None,
    )


def transient_limits(
    attempts: int | None, seconds: float | None, environ: Mapping[str, str] | None = None
) -> TransientLimits:
    """The run's transient budget: CAMPAIGN_TRANSIENT_* over the campaign's `apply:` block over the defaults."""
    env_attempts = campaign_number("CAMPAIGN_TRANSIENT_ATTEMPTS", environ)
    env_seconds = campaign_number("CAMPAIGN_TRANSIENT_SECONDS", environ)
    return TransientLimits(
        attempts=int(env_attempts if env_attempts is not None else attempts or DEFAULT_TRANSIENT_ATTEMPTS),
        seconds=env_seconds if env_seconds is not None else seconds or DEFAULT_TRANSIENT_SECONDS,
    )
