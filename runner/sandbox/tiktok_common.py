"""TikTok emulator plumbing: the envelope, auth, rate limits, faults and strict parameters."""

from __future__ import annotations

import asyncio
import collections
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from runner.sandbox.docs_facts import tiktok as facts
from runner.sandbox.docs_facts.tiktok import (
    BAD_PARAM,
    OK,
    RATE_LIMITED,
    SERVER_BUSY,
    SERVER_ERROR,
    TOKEN_INVALID,
    TOKEN_MISSING,
)
from runner.sandbox.heygen_zego_common import DroppedReply
from runner.sandbox.world import World


class ApiError(Exception):
    """A non-zero envelope code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def envelope(code: int, message: str, data: Any = None) -> JSONResponse:
    """TikTok's `{code, message, request_id, data}` reply, always HTTP 200."""
    return JSONResponse(
        {"code": code, "message": message, "request_id": uuid.uuid4().hex, "data": data if data is not None else {}}
    )


class Windows:
    """Several sliding windows checked and recorded together (virtual time)."""

    def __init__(self, world: World, *limits: tuple[int, float, str]) -> None:
        self.world = world
        self.limits = limits
        self.sent: list[collections.deque[float]] = [collections.deque() for _ in limits]

    def admit(self) -> str | None:
        """Record a request, or return the message of the first limit it would break."""
        now = self.world.clock.monotonic()
        with self.world.lock:
            for (limit, window, message), sent in zip(self.limits, self.sent, strict=True):
                while sent and sent[0] <= now - window:
                    sent.popleft()
                if len(sent) >= limit:
                    return message
            for sent in self.sent:
                sent.append(now)
        return None


Handler = Callable[[Request], Awaitable[Any]]
Limit = tuple[int, float, str]  # (requests, window seconds, message)


class Guard:
    """Wraps every TikTok endpoint: outages, auth, app QPS, endpoint limits, faults, slowness, lost replies.

    Each accepted token is its own app, with its own rate-limit windows and counters.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        qps = world.config.qps
        self.app_limit: Limit = (max(1, int(qps)), 1.0, f"app rate limit: {qps:g} requests per second")
        self.windows: dict[tuple[str, str], Windows] = {}

    def _windows(self, app: str, name: str, limits: tuple[Limit, ...]) -> Windows:
        with self.world.lock:
            return self.windows.setdefault((app, name), Windows(self.world, *limits))

    def wrap(
        self, endpoint: str, handler: Handler, *, limits: tuple[Limit, ...] = (), may_lose_reply: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        world = self.world
        name = f"tiktok {endpoint}"

        async def endpoint_app(request: Request) -> Response:
            token = request.headers.get("Access-Token")
            app = world.config.app_of(token) if token else None
            world.count(name, app)
            if world.in_outage():
                return PlainTextResponse("Service Unavailable", status_code=503)
            if not token:
                return envelope(TOKEN_MISSING, "Access-Token is missing in the request header")
            if app is None:
                return envelope(TOKEN_INVALID, "Access-Token is invalid")
            world.arrived(app, "peak_requests_per_second", 1.0)
            if limits:
                world.arrived(app, "peak_refresh_creates_per_second", 1.0)
                world.arrived(app, "peak_refresh_creates_per_minute", 60.0)
            message = self._windows(app, "app", (self.app_limit,)).admit()
            if message is None and limits:
                message = self._windows(app, endpoint, limits).admit()
            if message is not None:
                world.refused(name, app)
                return envelope(RATE_LIMITED, f"Too many requests: {message}")
            if world.fault():
                kind = world.rng.choice(("http500", "http503", "code50000", "code50002"))
                if kind == "http500":
                    return PlainTextResponse("Internal Server Error", status_code=500)
                if kind == "http503":
                    return PlainTextResponse("Service Unavailable", status_code=503)
                return envelope(
                    SERVER_ERROR if kind == "code50000" else SERVER_BUSY, "System error, please retry later"
                )
            if world.chance(world.config.slow_rate):
                world.event("slow_replies")
                await asyncio.sleep(world.scaled(world.rng.uniform(2.0, 5.0)))
            try:
                data = await handler(request)
            except ApiError as exc:
                return envelope(exc.code, exc.message)
            if may_lose_reply and world.chance(world.config.lost_reply_rate):
                world.event("lost_replies")
                return DroppedReply()  # type: ignore[return-value]
            if may_lose_reply and world.config.gateway_timeout_rate and world.chance(world.config.gateway_timeout_rate):
                world.event("gateway_timeouts")  # the create took effect; the gateway gave up on the reply
                return PlainTextResponse("Gateway Timeout", status_code=504)
            return envelope(OK, "OK", data)

        return endpoint_app


async def json_body(request: Request) -> dict[str, Any]:
    """The POST body: application/json and an object, else 40002."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise ApiError(BAD_PARAM, "Content-Type must be application/json")
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise ApiError(BAD_PARAM, "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(BAD_PARAM, "the request body must be a JSON object")
    return body


def query_json(params: Mapping[str, str], name: str, expected: type, required: bool = False) -> Any:
    """A JSON-encoded query parameter (`task_ids=["1"]`), strictly typed."""
    raw = params.get(name)
    if raw is None:
        if required:
            raise ApiError(BAD_PARAM, f"{name}: this field is required")
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise ApiError(
            BAD_PARAM, f"{name}: must be JSON-encoded ({'an array' if expected is list else 'an object'})"
        ) from None
    if not isinstance(value, expected):
        raise ApiError(BAD_PARAM, f"{name}: must be a JSON {'array' if expected is list else 'object'}")
    return value


def string_ids(params: Mapping[str, str], name: str, maximum: int) -> list[str]:
    """A required JSON array of 1..maximum strings."""
    ids: list[str] = query_json(params, name, list, required=True)
    if not ids or len(ids) > maximum:
        raise ApiError(BAD_PARAM, f"{name}: must hold 1-{maximum} ids, not {len(ids)}")
    if not all(isinstance(i, str) for i in ids):
        raise ApiError(BAD_PARAM, f"{name}: must be a JSON array of strings")
    return ids


def paging(params: Mapping[str, str]) -> tuple[int, int]:
    """`page` (>= 1, default 1) and `page_size` (1-100, default 10), as documented."""

    def number(name: str, default: int, lo: int, hi: int | None) -> int:
        raw = params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(BAD_PARAM, f"{name}: must be an integer") from None
        if value < lo or (hi is not None and value > hi):
            raise ApiError(BAD_PARAM, f"{name}: must be between {lo} and {hi}" if hi else f"{name}: must be >= {lo}")
        return value

    page = number("page", facts.PAGE_DEFAULT, facts.PAGE_MIN, None)
    return page, number("page_size", facts.PAGE_SIZE_DEFAULT, facts.PAGE_SIZE_MIN, facts.PAGE_SIZE_MAX)


def page_of(items: list[dict[str, Any]], page: int, size: int) -> dict[str, Any]:
    """A page with TikTok's page_info."""
    total = len(items)
    return {
        "list": items[(page - 1) * size : page * size],
        "page_info": {"page": page, "page_size": size, "total_number": total, "total_page": (total + size - 1) // size},
    }


def required_str(body: Mapping[str, Any], name: str, where: str = "") -> str:
    """A required non-empty string field."""
    value = body.get(name)
    if value is None or value == "":
        raise ApiError(BAD_PARAM, f"{where}{name}: this field is required")
    if not isinstance(value, str):
        raise ApiError(BAD_PARAM, f"{where}{name}: must be a string")
    return value
