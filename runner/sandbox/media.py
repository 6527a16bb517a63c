"""Media the sandbox serves: signed, expiring preview URLs of produced videos, and source assets."""

from __future__ import annotations

import base64
import hashlib

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from runner.sandbox.tiktok import TikTokEmulator
from runner.sandbox.video import SAMPLE_SCRIPT, RenderError, VideoSpec, render
from runner.sandbox.world import World


async def video_response(world: World, spec: VideoSpec) -> Response:
    """A rendered MP4 (from the cache when it was made before), with Content-MD5."""
    try:
        path = await run_in_threadpool(render, spec, world.config.video_cache)
    except RenderError as exc:
        return PlainTextResponse(f"Internal Server Error: {exc}", status_code=500)
    content = path.read_bytes()
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
            spec = account.video_spec(video_id) if account.media_exists(video_id) else None
            if spec is None:
                return PlainTextResponse("Not Found", status_code=404)
            world.event("media_downloads")
        return await video_response(world, spec)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name.endswith(".html"):
            return HTMLResponse("<html><body>not a video</body></html>")
        if name.endswith((".mp4", ".mov")):
            world.event("asset_downloads")
            return await video_response(
                world, VideoSpec(title=f"Sample video {name.rsplit('/', 1)[-1]}", script=SAMPLE_SCRIPT, seed=name)
            )
        return PlainTextResponse("Not Found", status_code=404)

    return [
        Route("/_sandbox/media/{video_id}.mp4", media, methods=["GET"]),
        Route("/_sandbox/assets/{name:path}", asset, methods=["GET"]),
    ]
