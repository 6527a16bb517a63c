"""Media the sandbox serves: signed, expiring preview URLs of produced videos, and source assets."""

from __future__ import annotations

import base64
import hashlib

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from runner.sandbox.heygen_zego_common import fake_mp4
from runner.sandbox.tiktok import TikTokEmulator
from runner.sandbox.world import World


def _video(content: bytes) -> Response:
    digest = base64.b64encode(hashlib.md5(content).digest()).decode()
    return Response(content, media_type="video/mp4", headers={"Content-MD5": digest})


def routes(world: World, tiktok: TikTokEmulator) -> list[Route]:
    """`/_sandbox/media/{id}.mp4` (403 once expired or forged) and `/_sandbox/assets/{name}`."""
    account = tiktok.account

    async def media(request: Request) -> Response:
        video_id = request.path_params["video_id"]
        try:
            expires = int(request.query_params.get("x-expires", ""))
        except ValueError:
            return PlainTextResponse("Forbidden", status_code=403)
        with world.lock:
            if request.query_params.get("x-signature") != account.signature(video_id, expires):
                return PlainTextResponse("Forbidden", status_code=403)
            if world.clock.time() > expires:
                return PlainTextResponse("Forbidden: the URL expired", status_code=403)
            if not account.media_exists(video_id):
                return PlainTextResponse("Not Found", status_code=404)
            world.event("media_downloads")
        return _video(fake_mp4(video_id))

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name.endswith(".html"):
            return HTMLResponse("<html><body>not a video</body></html>")
        if name.endswith((".mp4", ".mov")):
            world.event("asset_downloads")
            return _video(fake_mp4("asset:" + name))
        return PlainTextResponse("Not Found", status_code=404)

    return [
        Route("/_sandbox/media/{video_id}.mp4", media, methods=["GET"]),
        Route("/_sandbox/assets/{name}", asset, methods=["GET"]),
    ]
