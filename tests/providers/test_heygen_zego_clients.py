"""The HeyGen and ZEGO clients against the sandbox over real HTTP, as `--sandbox` runs use it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from runner.clock import RealClock
from runner.providers.config import settings_from_env
from runner.providers.errors import AuthError
from runner.providers.heygen import HeyGenClient
from runner.providers.zego import ZegoClient
from runner.sandbox.server import SandboxServer
from runner.vocabulary.tasks import TaskStatus

SCALE = 0.002  # a virtual second lasts 2 ms: a 120 s render takes 0.24 s


@pytest.fixture(scope="module")
def sandbox() -> Any:
    from runner.sandbox.config import SandboxConfig

    with SandboxServer(SandboxConfig(speed=SCALE, seed=3)) as server:
        yield server


def test_heygen_catalog_idempotent_render_and_media(sandbox: SandboxServer) -> None:
    settings = settings_from_env(sandbox.env())
    clock = RealClock()
    with HeyGenClient(settings, clock=clock) as heygen:
        assert len(heygen.list_avatar_groups()) == 12
        looks = heygen.list_looks()
        assert len({look.id for look in looks}) == 24
        args = {"avatar_id": looks[0].id, "script": "Hello.", "voice_id": "voice_0001", "aspect_ratio": "1:1"}
        video_id = heygen.create_video(**args, idempotency_key="k")
        assert heygen.create_video(**args, idempotency_key="k") == video_id  # replayed, not re-made
        for _ in range(600):  # up to a minute; the render takes a fraction of a second
            video = heygen.get_video(video_id)
            if video.status in (TaskStatus.SUCCEEDED, TaskStatus.FAILED):
                break
            clock.sleep(0.1)
        assert (
            video.status == TaskStatus.SUCCEEDED
            and video.video_url
            and video.video_url.endswith(f"/media/{video_id}.mp4")
        )
        media = httpx.get(video.video_url, timeout=60)  # the first download renders it
        assert media.status_code == 200 and media.headers["content-type"] == "video/mp4"
    stats = sandbox.stats()
    assert stats["heygen_videos_created"] == 1
    assert any(k.startswith("heygen POST /v3/videos") for k in stats["requests"])


def test_zego_lists_every_digital_human(sandbox: SandboxServer) -> None:
    with ZegoClient(settings_from_env(sandbox.env()), clock=RealClock()) as zego:
        assert len({h.id for h in zego.list_digital_humans()}) == 45
    assert any(k.startswith("zego ") for k in sandbox.stats()["requests"])


def test_wrong_credentials_are_auth_errors_naming_the_variables(sandbox: SandboxServer) -> None:
    env = sandbox.env()
    heygen = HeyGenClient(settings_from_env({**env, "HEYGEN_API_KEY": "wrong"}), clock=RealClock())
    with heygen, pytest.raises(AuthError, match="HEYGEN_API_KEY"):
        heygen.list_looks()
    zego = ZegoClient(settings_from_env({**env, "ZEGO_SERVER_SECRET": "wrong"}), clock=RealClock())
    with zego, pytest.raises(AuthError, match="ZEGO_SERVER_SECRET"):
        zego.list_digital_humans()
