"""The sandbox application: TikTok, HeyGen and ZEGO emulators plus media and stats."""

from __future__ import annotations

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

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse(world.stats())

    return Starlette(routes=[
        Route("/_sandbox/stats", stats, methods=["GET"]),
        *media.routes(world, emulator),
        Mount("/open_api/v1.3", app=tiktok.build_app(world, emulator)),
        Mount("/heygen", app=heygen.build_app(world)),
        Mount("/zego", app=zego.build_app(world)),
    ], middleware=[Middleware(IgnoreGoneClients)])
