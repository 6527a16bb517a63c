"""ZEGO digital-human client: GetDigitalHumanList with the common signed parameters."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import httpx

from runner import api_facts as facts
from runner.clock import Clock
from runner.providers.budget import TransientBudget
from runner.providers.config import ProviderSettings
from runner.providers.errors import AuthError, PermanentError, ProviderError, RateLimitedError, TransientError
from runner.providers.http import Call, HttpApi, json_body
from runner.providers.models import CatalogAvatar
from runner.providers.pacing import Pacing, limiter_scope
from runner.providers.ratelimit import Limiters
from runner.providers.retry import RetryPolicy
from runner.vocabulary.providers import ZEGO

PROVIDER = ZEGO
_AUTH_CODES = frozenset({100000001, 100000005, 100000010})
_TRANSIENT_CODES = frozenset({facts.ZEGO_CODE_INTERNAL_ERROR, facts.ZEGO_CODE_SIGNATURE_EXPIRED})


def signature(app_id: str, nonce: str, server_secret: str, timestamp: str) -> str:
    """md5(AppId + SignatureNonce + ServerSecret + Timestamp), hex."""
    return hashlib.md5((app_id + nonce + server_secret + timestamp).encode()).hexdigest()


class ZegoClient(HttpApi):
    """The ZEGO digital-human catalog."""

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
        settings.require(PROVIDER)
        app_id, secret = settings.credential("ZEGO_APP_ID"), settings.credential("ZEGO_SERVER_SECRET")
        base_url = settings.base_url(PROVIDER)
        assert app_id is not None and secret is not None
        super().__init__(base_url, clock=clock, retry=retry, transport=transport, budget=budget, headers={})
        self._app_id = app_id
        self._secret = secret
        pacing = pacing or Pacing(self.clock)
        self._limit = Limiters(pacing.limiter(f"{limiter_scope(PROVIDER, base_url)} app", facts.ZEGO_QPS, 1.0))

    def _signed(self) -> dict[str, str]:
        nonce = secrets.token_hex(8)
        timestamp = str(int(self.clock.time()))
        return {
            "Action": "GetDigitalHumanList",
            "AppId": self._app_id,
            "SignatureNonce": nonce,
            "Timestamp": timestamp,
            "SignatureVersion": "2.0",
            "Signature": signature(self._app_id, nonce, self._secret, timestamp),
        }

    def _classify(self, call: Call, response: httpx.Response) -> Any:
        if response.status_code >= 500:
            raise TransientError(
                PROVIDER, call.path, f"HTTP {response.status_code}", "server error", http_status=response.status_code
            )
        body = json_body(PROVIDER, call, response)
        code = int(body.get("Code", -1)) if isinstance(body, dict) else -1
        if code == facts.ZEGO_CODE_OK:
            return body.get("Data") or {}
        args = (PROVIDER, "GetDigitalHumanList", str(code), str(body.get("Message", "")), body.get("RequestId"))
        if code == facts.ZEGO_CODE_RATE_LIMITED:
            raise RateLimitedError(*args, retry_after=1.0)
        if code in _TRANSIENT_CODES:
            raise TransientError(*args)
        if code in _AUTH_CODES:
            raise AuthError(*args, hint="check ZEGO_APP_ID and ZEGO_SERVER_SECRET")
        if code > 0:
            raise PermanentError(*args)
        raise ProviderError(*args)

    def list_digital_humans(self) -> list[CatalogAvatar]:
        """Every digital human, 20 per page."""
        humans: list[dict[str, Any]] = []
        while True:
            call = Call("POST", "/", json={"Offset": len(humans), "Limit": facts.ZEGO_LIMIT_MAX})
            data = self.send(call, self._classify, self._limit, params=self._signed)
            page = data.get("DigitalHumans") or []
            humans.extend(page)
            if not page or len(humans) >= int(data.get("Total", 0)):
                return [CatalogAvatar(str(h["DigitalHumanId"]), str(h.get("Name", "")), PROVIDER) for h in humans]

    def list_avatars(self) -> list[CatalogAvatar]:
        """The catalog."""
        return self.list_digital_humans()
