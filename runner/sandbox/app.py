"""The sandbox application: TikTok, HeyGen and ZEGO emulators plus media and stats."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from runner.sandbox import heygen, media, tiktok, zego
from runner.sandbox.world import World


class IgnoreGoneClients:
    """A client that went away mid-request (a killed apply) gets no answer and leaves no error behind."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            return


def build_app(world: World) -> Starlette:
    """Mount every emulator on one app."""
    emulator = tiktok.TikTokEmulator(world)
    heygen_app = heygen.build_app(world)
    heygen_videos = heygen_app.state.emulator.videos

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse(world.stats())

    async def outage(request: Request) -> JSONResponse:
        body = await _control_body(request)
        seconds = body.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
            return JSONResponse({"error": "seconds: a number >= 0 is required (0 ends an outage)"}, status_code=400)
        world.start_outage(float(seconds))
        return JSONResponse({"outage_seconds": seconds})

    async def forget(request: Request) -> JSONResponse:
        body = await _control_body(request)
        ids = body.get("ids")
        if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
            return JSONResponse(
                {"error": "ids: a list of task, video or upload ids (omit it to forget everything)"}, status_code=400
            )
        wanted = None if ids is None else set(ids)
        with world.lock:
            lost = emulator.account.forget(wanted)
            world.event("forgotten", lost)
            lost += heygen_videos.forget(wanted)
            world.changed()
        return JSONResponse({"forgotten": lost})

    async def retire(request: Request) -> JSONResponse:
        body = await _control_body(request)
        ids = body.get("avatar_ids")
        if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
            return JSONResponse({"error": "avatar_ids: a list of TikTok avatar ids to retire"}, status_code=400)
        with world.lock:
            retired = emulator.account.retire(set(ids))
            world.changed()
        return JSONResponse({"retired": retired})

    app = Starlette(
        routes=[
            Route("/_sandbox/stats", stats, methods=["GET"]),
            Route("/_sandbox/outage", outage, methods=["POST"]),
            Route("/_sandbox/forget", forget, methods=["POST"]),
            Route("/_sandbox/retire", retire, methods=["POST"]),
            *media.routes(world, emulator),
            Mount("/open_api/v1.3", app=tiktok.build_app(world, emulator)),
            Mount("/heygen", app=heygen_app),
            Mount("/zego", app=zego.build_app(world)),
        ],
        middleware=[Middleware(IgnoreGoneClients)],
    )
    app.state.tiktok = emulator
    return app


async def _control_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {}
