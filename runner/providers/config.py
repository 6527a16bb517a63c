"""Base URLs and credentials from the environment; the clock from CAMPAIGN_TIME_SCALE."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from runner import api_facts as facts
from runner.clock import Clock, RealClock, ScaledClock
from runner.errors import ConfigError

HEYGEN_DEFAULT_BASE_URL = facts.HEYGEN_DEFAULT_BASE_URL
ZEGO_DEFAULT_BASE_URL = facts.ZEGO_DEFAULT_BASE_URL


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

    def require(self, provider: str) -> None:
        """Raise ConfigError naming the variables to set when a provider's credentials are missing."""
        missing = {
            "tiktok": ["TIKTOK_ACCESS_TOKEN"] if not self.tiktok_access_token else [],
            "heygen": ["HEYGEN_API_KEY"] if not self.heygen_api_key else [],
            "zego": [n for n, v in (("ZEGO_APP_ID", self.zego_app_id), ("ZEGO_SERVER_SECRET", self.zego_server_secret)) if not v],
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


def clock_from_env(environ: Mapping[str, str] | None = None) -> Clock:
    """A ScaledClock when CAMPAIGN_TIME_SCALE is set (sandbox runs), else the wall clock."""
    env = os.environ if environ is None else environ
    raw = env.get("CAMPAIGN_TIME_SCALE")
    if not raw:
        return RealClock()
    try:
        scale = float(raw)
        if scale <= 0:
            raise ValueError
    except ValueError:
        raise ConfigError(f"CAMPAIGN_TIME_SCALE must be a positive number, not {raw!r}") from None
    return ScaledClock(scale)
