"""HeyGen and ZEGO through the whole sandbox as `--sandbox` runs use it: SandboxServer and its env()."""

from __future__ import annotations

import httpx

from runner.clock import ScaledClock
from runner.providers.config import settings_from_env
from runner.providers.heygen import HeyGenClient
from runner.providers.zego import ZegoClient
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

SCALE = 0.002  # a virtual second lasts 2 ms: a 120 s render takes 0.24 s


def test_render_and_catalogs_through_sandbox_server() -> None:
    with SandboxServer(SandboxConfig(time_scale=SCALE, seed=3)) as sandbox:
        settings = settings_from_env(sandbox.env())
        clock = ScaledClock(SCALE)
        with HeyGenClient(settings, clock=clock) as heygen:
            look = heygen.list_looks()[0]
            video_id = heygen.create_video(
                avatar_id=look.id, script="Hello.", voice_id="voice_0001", aspect_ratio="1:1", idempotency_key="k"
            )
            for _ in range(200):
                video = heygen.get_video(video_id)
                if video.status in ("completed", "failed"):
                    break
                clock.sleep(10)
            assert video.status == "completed" and video.video_url
            media = httpx.get(video.video_url)
            assert media.status_code == 200 and media.headers["content-type"] == "video/mp4"
        with ZegoClient(settings, clock=clock) as zego:
            assert len(zego.list_digital_humans()) == 45
        stats = sandbox.stats()
        assert stats["heygen_videos_created"] == 1
        assert any(k.startswith("heygen POST /v3/videos") for k in stats["requests"])
        assert any(k.startswith("zego ") for k in stats["requests"])
