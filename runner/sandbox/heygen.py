"""HeyGen v3 emulator (mounted at /heygen): avatars, looks, digital twins, consent, videos.

See docs/sandbox-heygen-zego.md for what it accepts and the decisions where the docs are silent.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from runner.sandbox.docs_facts import heygen as facts
from runner.sandbox.heygen_catalog import Catalog, HeyGenError
from runner.sandbox.heygen_videos import Videos
from runner.sandbox.heygen_zego_common import (
    DroppedReply,
    EmulatorHooks,
    SlidingWindow,
    decode_cursor,
    encode_cursor,
    retry_after_header,
    slow_reply_seconds,
)
from runner.sandbox.video import RenderError, render

Handler = Callable[[Request], Awaitable[Response | DroppedReply]]


ERROR_DOCS = "https://developers.heygen.com/docs/error-codes"


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, param: str | None = None
) -> JSONResponse:
    """HeyGen's error shape: `{error: {code, message, param?, doc_url}}` with the HTTP status."""
    error = {"code": code, "message": message, **({"param": param} if param else {})}
    error["doc_url"] = f"{ERROR_DOCS}#{code.replace('_', '-')}"
    return JSONResponse({"error": error}, status_code=status, headers=headers)


class HeyGenEmulator:
    """The account behind one API key: catalog, videos, limits."""

    def __init__(self, hooks: EmulatorHooks) -> None:
        self.hooks = hooks
        self.lock = hooks.lock  # the world's: persistence serialises state under it
        state = hooks.state_for("heygen")
        self.catalog = Catalog(hooks, state)
        self.videos = Videos(hooks, state, self.catalog)
        self.limiters: dict[str, SlidingWindow] = {}

    def _limiter(self, app: str) -> SlidingWindow:
        with self.lock:
            return self.limiters.setdefault(app, SlidingWindow(self.hooks.clock, facts.QPS))

    def guard(self, endpoint: str, handler: Handler, *, auth: bool = True, slow_inside: bool = False) -> Handler:
        """Count, authenticate, rate-limit and fault-inject before the handler runs."""

        async def guarded(request: Request) -> Response | DroppedReply:
            key = request.headers.get("x-api-key")
            app = self.hooks.config.app_of(key) if key else None
            self.hooks.count(f"heygen {endpoint}", app)
            if self.hooks.in_outage():
                return error_response(503, "service_unavailable", "the service is unavailable; retry later")
            if auth:
                if not key:
                    return error_response(401, "unauthorized", "missing X-Api-Key header")
                if app is None:
                    return error_response(401, "unauthorized", "invalid API key")
                request.state.app = app
                self.hooks.arrived(app, "peak_heygen_requests_per_second", 1.0)
                wait = self._limiter(app).admit()
                if wait is not None:
                    self.hooks.refused(f"heygen {endpoint}", app)
                    return error_response(
                        429,
                        facts.RATE_LIMITED,
                        f"too many requests (limit {facts.QPS}/s)",
                        {"Retry-After": retry_after_header(wait)},
                    )
                if self.hooks.fault():
                    with self.lock:
                        status = 503 if self.hooks.rng.random() < 0.5 else 500
                    code = "service_unavailable" if status == 503 else "internal_error"
                    return error_response(status, code, "temporary server error; retry later")
            if not slow_inside:
                await self._maybe_slow()
            try:
                return await handler(request)
            except HeyGenError as exc:
                if exc.status == 429:
                    self.hooks.refused(f"heygen {endpoint}", app)
                return error_response(exc.status, exc.code, exc.message, exc.headers, exc.param)

        return guarded

    # --- avatars -----------------------------------------------------------------------
    async def list_groups(self, request: Request) -> Response:
        ownership = request.query_params.get("ownership")
        if ownership not in (None, "public", "private"):
            raise HeyGenError(400, "invalid_parameter", "ownership must be public or private")
        with self.lock:
            items = self.catalog.groups(ownership)
        return _page(request, items, f"groups:{ownership or ''}", GROUP_PAGE_LIMITS)

    async def get_group(self, request: Request) -> Response:
        with self.lock:
            group = self.catalog.group(request.path_params["group_id"])
        return JSONResponse({"data": group})

    async def list_looks(self, request: Request) -> Response:
        group_id = request.query_params.get("group_id")
        with self.lock:
            items = self.catalog.looks(group_id)
        return _page(request, items, f"looks:{group_id or ''}", GROUP_PAGE_LIMITS)

    async def create_avatar(self, request: Request) -> Response | DroppedReply:
        body = await _json_object(request)
        with self.lock:
            data = self.catalog.create_digital_twin(body)
            self.hooks.changed()
        return self._reply_after_create(JSONResponse({"data": data}))

    def _reply_after_create(self, reply: Response) -> Response | DroppedReply:
        """The create took effect: its reply may still be lost, or replaced by a gateway timeout."""
        if self._lose_reply():
            self.hooks.event("lost_replies")
            return DroppedReply()
        if self.hooks.config.gateway_timeout_rate and self._chance(self.hooks.config.gateway_timeout_rate):
            self.hooks.event("gateway_timeouts")
            return error_response(504, "gateway_timeout", "the gateway timed out waiting for the service")
        return reply

    def _lose_reply(self) -> bool:
        return self._chance(self.hooks.config.lost_reply_rate)

    async def _maybe_slow(self) -> None:
        if self._chance(self.hooks.config.slow_rate):
            with self.lock:
                delay = slow_reply_seconds(self.hooks.rng)
            await asyncio.sleep(self.hooks.scaled(delay))

    def _chance(self, rate: float) -> bool:
        with self.lock:
            return self.hooks.rng.random() < rate

    async def start_consent(self, request: Request) -> Response:
        raw = await request.body()
        body = await _json_object(request) if raw.strip() else {}
        with self.lock:
            group, token = self.catalog.start_consent(request.path_params["group_id"], body)
            self.hooks.changed()
        url = str(request.url_for("heygen_consent_page", token=token))
        return JSONResponse({"data": {"avatar_group": group, "url": url}})

    async def consent_page(self, request: Request) -> Response:
        """GET: the page the subject sees; it changes nothing."""
        with self.lock:
            record, group = self.catalog.consent_record(request.path_params["token"])
        return HTMLResponse(consent_html(str(group["name"]), record.get("decision"), str(request.url)))

    async def consent_decision(self, request: Request) -> Response:
        """POST (the page's form, `decision=approve|refuse`): the subject's answer."""
        raw = (await request.body()).decode("utf-8", "replace")
        decision = (parse_qs(raw).get("decision") or [request.query_params.get("decision", "")])[0]
        if decision not in ("approve", "refuse"):
            raise HeyGenError(400, "invalid_parameter", "decision must be approve or refuse")
        with self.lock:
            reroute = self.catalog.decide_consent(request.path_params["token"], decision == "approve")
            self.hooks.changed()
        if reroute:
            return RedirectResponse(reroute, status_code=303)
        answer = "approved" if decision == "approve" else "refused"
        return HTMLResponse(
            f"<!doctype html><html><body><p>Thank you: you {answer} the use of your likeness.</p></body></html>"
        )

    # --- videos ------------------------------------------------------------------------
    async def create_video(self, request: Request) -> Response | DroppedReply:
        body = await _json_object(request)
        key = request.headers.get("idempotency-key")
        with self.lock:
            replay = self.videos.begin(key)
        if replay is not None:
            return JSONResponse(replay.body, status_code=replay.status, headers={"Idempotent-Replayed": "true"})
        app: str = request.state.app
        try:
            with self.lock:
                normalised = self.videos.validate(body)
            await self._maybe_slow()  # while the Idempotency-Key is in flight
            with self.lock:
                self.videos.check_capacity(app)
                reply = self.videos.create(normalised, key, app)
                self.hooks.event("heygen_videos_created")
                self.hooks.changed()
        except BaseException:
            with self.lock:
                self.videos.abandon(key)
            raise
        return self._reply_after_create(JSONResponse(reply.body, status_code=reply.status))

    async def list_videos(self, request: Request) -> Response:
        title, folder_id = request.query_params.get("title"), request.query_params.get("folder_id")
        app: str = request.state.app
        with self.lock:
            listed = self.videos.listing(app, title, folder_id)
        query = f"videos:{app}:{title!r}:{folder_id!r}"
        ids, more, token = _page_slice(request, listed, query, VIDEO_PAGE_LIMITS)
        with self.lock:
            page = self.videos.details(ids, lambda vid: str(request.url_for("heygen_media", video_id=vid)))
        return JSONResponse({"data": page, "has_more": more, "next_token": token})

    async def get_video(self, request: Request) -> Response:
        video_id = request.path_params["video_id"]
        media = str(request.url_for("heygen_media", video_id=video_id))
        with self.lock:
            view = self.videos.view(video_id, media)
        return JSONResponse({"data": view})

    async def media(self, request: Request) -> Response:
        video_id = request.path_params["video_id"]
        with self.lock:
            spec = self.videos.video_spec(video_id) if self.videos.media_ready(video_id) else None
        if spec is None:
            return error_response(404, "not_found", "no such video file")
        try:
            path = await run_in_threadpool(render, spec, self.hooks.config.video_cache)
        except RenderError as exc:
            return error_response(500, "internal_error", f"the video file could not be made: {exc}")
        return Response(path.read_bytes(), media_type="video/mp4")


def consent_html(name: str, decision: str | None, action: str) -> str:
    """The consent page: who is asked, and a form to approve or refuse (or the answer already given)."""
    who = html.escape(name)
    if decision is not None:
        body = f"<p>The use of the likeness of <b>{who}</b> was already answered: {html.escape(decision)}.</p>"
    else:
        body = (
            f"<h1>Consent</h1><p>Do you, <b>{who}</b>, allow this team to make videos with a digital twin "
            f"of you?</p><form method='post' action='{html.escape(action, quote=True)}'>"
            "<button name='decision' value='approve'>I approve</button> "
            "<button name='decision' value='refuse'>I refuse</button></form>"
        )
    return f"<!doctype html><html><head><title>Avatar consent</title></head><body>{body}</body></html>"


def build_app(hooks: EmulatorHooks) -> Starlette:
    """The HeyGen emulator as a Starlette app (paths /v3/..., /consent/..., /media/...)."""
    emu = HeyGenEmulator(hooks)
    g = emu.guard
    routes = [
        Route("/v3/avatars", g("GET /v3/avatars", emu.list_groups), methods=["GET"]),
        Route("/v3/avatars", g("POST /v3/avatars", emu.create_avatar), methods=["POST"]),
        Route("/v3/avatars/looks", g("GET /v3/avatars/looks", emu.list_looks), methods=["GET"]),
        Route("/v3/avatars/{group_id}", g("GET /v3/avatars/{group_id}", emu.get_group), methods=["GET"]),
        Route(
            "/v3/avatars/{group_id}/consent",
            g("POST /v3/avatars/{group_id}/consent", emu.start_consent),
            methods=["POST"],
        ),
        Route("/v3/videos", g("POST /v3/videos", emu.create_video, slow_inside=True), methods=["POST"]),
        Route("/v3/videos", g("GET /v3/videos", emu.list_videos), methods=["GET"]),
        Route("/v3/videos/{video_id}", g("GET /v3/videos/{video_id}", emu.get_video), methods=["GET"]),
        Route(
            "/consent/{token}",
            g("GET /consent", emu.consent_page, auth=False),
            methods=["GET"],
            name="heygen_consent_page",
        ),
        Route("/consent/{token}", g("POST /consent", emu.consent_decision, auth=False), methods=["POST"]),
        Route("/media/{video_id}.mp4", g("GET /media", emu.media, auth=False), methods=["GET"], name="heygen_media"),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emu
    return app


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise HeyGenError(400, "invalid_parameter", "the body must be JSON") from None
    if not isinstance(body, dict):
        raise HeyGenError(400, "invalid_parameter", "the body must be a JSON object")
    return body


PageLimits = tuple[int, int, int]  # (min, max, default) of a list's `limit`
GROUP_PAGE_LIMITS: PageLimits = (facts.PAGE_LIMIT_MIN, facts.PAGE_LIMIT_MAX, facts.PAGE_LIMIT_DEFAULT)
VIDEO_PAGE_LIMITS: PageLimits = (facts.VIDEO_LIST_LIMIT_MIN, facts.VIDEO_LIST_LIMIT_MAX, facts.VIDEO_LIST_LIMIT_DEFAULT)
T = TypeVar("T")


def _page(request: Request, items: list[dict[str, Any]], query: str, limits: PageLimits) -> Response:
    page, more, token = _page_slice(request, items, query, limits)
    return JSONResponse({"data": page, "has_more": more, "next_token": token})


def _page_slice(request: Request, items: list[T], query: str, limits: PageLimits) -> tuple[list[T], bool, str | None]:
    """One page of `items` by the request's `limit` and `token`: the page, has_more, next_token."""
    raw_limit = request.query_params.get("limit")
    lo, hi, limit = limits
    if raw_limit is not None:
        if not raw_limit.isdigit() or not lo <= int(raw_limit) <= hi:
            raise HeyGenError(400, "invalid_parameter", f"'limit' must be between {lo} and {hi}.", param="limit")
        limit = int(raw_limit)
    offset = 0
    token = request.query_params.get("token")
    if token:
        decoded = decode_cursor(token, query)
        if decoded is None:
            raise HeyGenError(400, "invalid_parameter", "invalid pagination token", param="token")
        offset = decoded
    more = offset + limit < len(items)
    return items[offset : offset + limit], more, encode_cursor(offset + limit, query) if more else None
