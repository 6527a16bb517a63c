"""The one place provider clients are built: settings, clock, the run's transient budget and pacing."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import httpx

from runner.clock import Clock, RealClock
from runner.providers.budget import TransientBudget, TransientLimits
from runner.providers.config import ProviderSettings, settings_from_env, transient_limits
from runner.providers.heygen import HeyGenClient
from runner.providers.http import HttpApi
from runner.providers.pacing import Pacing, PacingFile
from runner.providers.protocol import CatalogProvider
from runner.providers.tiktok import TikTokClient
from runner.vocabulary.providers import HEYGEN, TIKTOK, provider

ClientT = TypeVar("ClientT", bound=HttpApi)


if TYPE_CHECKING:
    from runner.providers.shared_rate import SharedRate


class ProviderFactory:
    """Builds clients that share one transient budget and one set of rate limiters; `close()` closes them all."""

    def __init__(
        self,
        settings: ProviderSettings,
        clock: Clock,
        *,
        limits: TransientLimits | None = None,
        state_dir: Path | None = None,
        transport: httpx.BaseTransport | None = None,
        shared: SharedRate | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.budget = TransientBudget(clock, limits)
        self.pacing = Pacing(clock, PacingFile(state_dir) if state_dir is not None else None, shared)
        self._transport = transport
        self._clients: list[HttpApi] = []

    def client(self, name: str) -> HttpApi:
        """The client of a registered provider, built from its entry's import path (ConfigError when unset)."""
        module, _, cls = provider(name).client.partition(":")
        built: HttpApi = getattr(importlib.import_module(module), cls)(
            self.settings, clock=self.clock, transport=self._transport, budget=self.budget, pacing=self.pacing
        )
        return self._keep(built)

    def tiktok(self) -> TikTokClient:
        """A TikTok client (ConfigError naming the variable when the token is not set)."""
        return self._typed(TIKTOK, TikTokClient)

    def heygen(self) -> HeyGenClient:
        """A HeyGen client."""
        return self._typed(HEYGEN, HeyGenClient)

    def catalog(self, name: str) -> CatalogProvider:
        """The client whose avatar catalog `campaign avatars` and name resolution read."""
        client = self.client(name)
        if not isinstance(client, CatalogProvider):
            raise TypeError(f"{provider(name).client} has no avatar catalog (list_avatars)")
        return client

    def request_count(self) -> int:
        """Requests sent by every client built so far."""
        return sum(client.request_count for client in self._clients)

    def close(self) -> None:
        """Save pacing and close every client's connections."""
        self.pacing.save()
        for client in self._clients:
            client.close()
        self._clients.clear()

    def __enter__(self) -> ProviderFactory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _keep(self, client: ClientT) -> ClientT:
        self._clients.append(client)
        return client

    def _typed(self, name: str, cls: type[ClientT]) -> ClientT:
        client = self.client(name)
        if not isinstance(client, cls):
            raise TypeError(f"the {name} client is {type(client).__name__}, not {cls.__name__}")
        return client


def factory_from_env(
    environ: Mapping[str, str],
    *,
    attempts: int | None = None,
    seconds: float | None = None,
    state_dir: Path | None = None,
) -> ProviderFactory:
    """A factory from the provider variables (checked), with the campaign's `apply.transient_*` under CAMPAIGN_TRANSIENT_*."""
    limits = transient_limits(attempts, seconds, {**os.environ, **environ})  # a sandbox's variables lack the user's
    shared = None
    if (os.environ.get("CAMPAIGN_RATE_URL") or environ.get("CAMPAIGN_RATE_URL") or "").strip():
        from runner.providers.shared_rate import shared_rate_from_env  # redis-py only when asked for

        shared = shared_rate_from_env({**os.environ, **environ})  # unreachable: refuse to start, never fall back
    return ProviderFactory(settings_from_env(environ), RealClock(), limits=limits, state_dir=state_dir, shared=shared)
