"""The sandbox application: TikTok, HeyGen and ZEGO emulators plus media and stats."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from runner.sandbox import heygen, media, tiktok, zego
from runner.sandbox.world import World


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
    ])
