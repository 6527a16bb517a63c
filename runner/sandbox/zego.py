"""ZEGO digital-human emulator (mounted at /zego): `POST /?Action=GetDigitalHumanList`.

Signature checks, return codes and the 10 QPS limit follow docs/sandbox-heygen-zego.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runner.paths import package_text
from runner.sandbox.docs_facts import zego as facts
from runner.sandbox.heygen_zego_common import EmulatorHooks, SlidingWindow, slow_reply_seconds


class ZegoError(Exception):
    """A reply with a non-zero Code (HTTP status 200 unless said otherwise)."""

    def __init__(self, code: int, message: str, http_status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


def signature(app_id: str, nonce: str, server_secret: str, timestamp: str) -> str:
    """ZEGO signature v2.0: md5(AppId + SignatureNonce + ServerSecret + Timestamp), lower-case hex."""
    return hashlib.md5((app_id + nonce + server_secret + timestamp).encode()).hexdigest()


def load_digital_humans() -> list[dict[str, Any]]:
    """The seeded digital humans, in listing order."""
    data = json.loads(package_text("sandbox", "data", "zego_digital_humans.json"))
    humans: list[dict[str, Any]] = data["digital_humans"]
    return humans


def _common(code: int) -> ZegoError:
    return ZegoError(code, facts.COMMON_CODES[code])


class ZegoEmulator:
    """One ZEGO app: the signature gate and the digital-human list."""

    def __init__(self, hooks: EmulatorHooks) -> None:
        self.hooks = hooks
        self.humans = load_digital_humans()
        self.limiter = SlidingWindow(hooks.clock, facts.QPS)

    async def handle(self, request: Request) -> Response:
        """Entry point for every action."""
        self.hooks.count("zego POST /?Action=GetDigitalHumanList")
        if self.hooks.in_outage():
            return Response("Service Unavailable", status_code=503, media_type="text/plain")
        with self.hooks.lock:
            request_id = str(uuid.UUID(int=self.hooks.rng.getrandbits(128)))
        try:
            self.check_common(request.query_params)
            if self.limiter.admit() is not None:
                self.hooks.refused("zego POST /?Action=GetDigitalHumanList")
                raise ZegoError(facts.CODE_RATE_LIMITED, f"too many requests per second (limit {facts.QPS} QPS)")
            if self.hooks.fault():
                raise ZegoError(facts.CODE_INTERNAL_ERROR, "internal gateway error", http_status=500)
            with self.hooks.lock:
                slow = self.hooks.rng.random() < self.hooks.config.slow_rate
                delay = slow_reply_seconds(self.hooks.rng) if slow else 0.0
            if slow:
                await asyncio.sleep(self.hooks.scaled(delay))
            data = self.list_humans(await request.body())
        except ZegoError as exc:
            return JSONResponse(
                {"Code": exc.code, "Message": exc.message, "RequestId": request_id}, status_code=exc.http_status
            )
        return JSONResponse({"Code": facts.CODE_OK, "Message": "success", "RequestId": request_id, "Data": data})

    def check_common(self, params: Mapping[str, str]) -> None:
        """The common parameters and the signature, in the gateway's order."""
        action = params.get("Action", "")
        if not action:
            raise _common(100000006)
        if action != facts.ACTION:
            raise _common(100000007)
        app_id = params.get("AppId", "")
        if not app_id.isdigit():
            raise _common(100000001)
        timestamp = params.get("Timestamp", "")
        if not timestamp:
            raise _common(100000002)
        if not timestamp.lstrip("-").isdigit():
            raise _common(100000003)
        nonce = params.get("SignatureNonce", "")
        if not nonce:
            raise _common(100000008)
        sig = params.get("Signature", "")
        if not sig:
            raise _common(100000009)
        version = params.get("SignatureVersion", "")
        if not version:
            raise _common(100000013)
        if version != facts.SIGNATURE_VERSION:
            raise _common(100000014)
        if app_id != self.hooks.config.zego_app_id:
            raise _common(100000010)
        if abs(self.hooks.clock.time() - int(timestamp)) > facts.SIGNATURE_WINDOW_SECONDS:
            raise _common(facts.CODE_SIGNATURE_EXPIRED)
        expected = signature(app_id, nonce, self.hooks.config.token, timestamp)
        if not hmac.compare_digest(sig.lower(), expected):
            raise _common(facts.CODE_SIGNATURE_ERROR)

    def list_humans(self, raw_body: bytes) -> dict[str, Any]:
        """GetDigitalHumanList: FetchMode, Offset, Limit."""
        try:
            body = json.loads(raw_body) if raw_body.strip() else {}
        except ValueError:
            raise ZegoError(facts.CODE_INVALID_INPUT, "the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ZegoError(facts.CODE_INVALID_INPUT, "the request body must be a JSON object")
        mode = _integer(body, "FetchMode", facts.FETCH_MODE_DEFAULT, min(facts.FETCH_MODES), max(facts.FETCH_MODES))
        offset = _integer(body, "Offset", facts.OFFSET_DEFAULT, facts.OFFSET_MIN, facts.OFFSET_MAX)
        limit = _integer(body, "Limit", facts.LIMIT_DEFAULT, facts.LIMIT_MIN, facts.LIMIT_MAX)
        matching = [h for h in self.humans if mode == 1 or h["IsPublic"] == (mode == 2)]
        return {"Total": len(matching), "DigitalHumans": [dict(h) for h in matching[offset : offset + limit]]}


def _integer(body: Mapping[str, Any], name: str, default: int, lo: int, hi: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ZegoError(facts.CODE_INVALID_INPUT, f"{name} must be an integer from {lo} to {hi}")
    return value


def build_app(hooks: EmulatorHooks) -> Starlette:
    """The ZEGO emulator as a Starlette app (POST / with the Action in the query)."""
    emu = ZegoEmulator(hooks)
    return Starlette(routes=[Route("/", emu.handle, methods=["POST"])])
