"""HeyGen v3 client: avatar groups and looks, video renders with Idempotency-Key."""

from __future__ import annotations

from typing import Any

import httpx

from runner import api_facts as facts
from runner.clock import Clock
from runner.providers.budget import TransientBudget
from runner.providers.config import ProviderSettings
from runner.providers.errors import AuthError, PermanentError, ProviderError, RateLimitedError, TransientError
from runner.providers.http import Call, HttpApi, json_body
from runner.providers.models import CatalogAvatar, HeyGenVideo
from runner.providers.pacing import Pacing, limiter_scope
from runner.providers.ratelimit import Limiters
from runner.providers.retry import RetryPolicy

PROVIDER = "heygen"


class HeyGenClient(HttpApi):
    """The HeyGen endpoints the tool uses."""

    provider = PROVIDER

    def __init__(
        self,
        settings: ProviderSettings,
        *,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        budget: TransientBudget | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        settings.require("heygen")
        assert settings.heygen_api_key is not None
        super().__init__(
            settings.heygen_base_url,
            clock=clock,
            retry=retry,
            transport=transport,
            budget=budget,
            headers={"X-Api-Key": settings.heygen_api_key},
        )
        pacing = pacing or Pacing(self.clock)
        self._limit = Limiters(
            pacing.limiter(f"{limiter_scope(PROVIDER, settings.heygen_base_url)} app", facts.HEYGEN_QPS, 1.0)
        )

    def _classify(self, call: Call, response: httpx.Response) -> Any:
        status = response.status_code
        if status < 400:
            return json_body(PROVIDER, call, response)
        body = json_body(PROVIDER, call, response) if status < 500 else {}
        error = body.get("error", {}) if isinstance(body, dict) else {}
        args = (PROVIDER, call.path, str(error.get("code", f"HTTP {status}")), str(error.get("message", "")))
        if status == 429:
            retry_after = response.headers.get("Retry-After")
            raise RateLimitedError(*args, retry_after=float(retry_after) if retry_after else None, http_status=status)
        if status >= 500 or status == 409:  # 409: the same Idempotency-Key is still in progress
            raise TransientError(*args, http_status=status)
        if status == 401:
            raise AuthError(*args, hint="HEYGEN_API_KEY is missing or invalid; set a valid API key", http_status=status)
        if status in (400, 403, 404, 422):
            raise PermanentError(*args, http_status=status)
        raise ProviderError(*args, http_status=status)

    def _pages(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            query = {**params, "limit": str(facts.HEYGEN_PAGE_LIMIT_MAX), **({"token": token} if token else {})}
            body = self.send(Call("GET", path, params=query), self._classify, self._limit)
            items.extend(body.get("data") or [])
            token = body.get("next_token")
            if not body.get("has_more") or not token:
                return items

    def list_avatar_groups(self, ownership: str | None = None) -> list[dict[str, Any]]:
        """Every avatar group (characters), public, private or both."""
        return self._pages("/v3/avatars", {"ownership": ownership} if ownership else {})

    def list_looks(self, group_id: str | None = None) -> list[CatalogAvatar]:
        """Every look (the ids videos are rendered with)."""
        looks = self._pages("/v3/avatars/looks", {"group_id": group_id} if group_id else {})
        return [
            CatalogAvatar(
                str(look["id"]), str(look.get("name", "")), PROVIDER, {"group_id": str(look.get("group_id", ""))}
            )
            for look in looks
        ]

    def list_avatars(self) -> list[CatalogAvatar]:
        """The catalog: every look."""
        return self.list_looks()

    def create_video(
        self, *, avatar_id: str, script: str, voice_id: str, aspect_ratio: str, idempotency_key: str
    ) -> str:
        """Start a render; safe to retry on anything thanks to the Idempotency-Key."""
        body = {"avatar_id": avatar_id, "script": script, "voice_id": voice_id, "aspect_ratio": aspect_ratio}
        call = Call("POST", "/v3/videos", json=body, headers={"Idempotency-Key": idempotency_key}, idempotent=True)
        data = self.send(call, self._classify, self._limit)
        return str(data["data"]["video_id"])

    def get_video(self, video_id: str) -> HeyGenVideo:
        """A render's state; `video_url` once completed."""
        data = self.send(Call("GET", f"/v3/videos/{video_id}"), self._classify, self._limit)["data"]
        error = data.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        return HeyGenVideo(
            str(data.get("video_id", video_id)), str(data.get("status", "")), data.get("video_url"), message
        )
