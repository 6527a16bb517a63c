"""The project's own clients against the emulators, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from runner import api_facts
from runner.providers.config import ProviderSettings
from runner.providers.errors import AuthError
from runner.providers.heygen import HeyGenClient
from runner.providers.zego import ZegoClient


def _settings(served: Any, **over: str) -> ProviderSettings:
    values = {
        "heygen_base_url": served.heygen_url,
        "heygen_api_key": "sandbox-token",
        "zego_base_url": served.zego_url,
        "zego_app_id": "1000001",
        "zego_server_secret": "sandbox-token",
    }
    values.update(over)
    return ProviderSettings(**values)  # type: ignore[arg-type]


def test_heygen_client_catalog_and_render(served: Any) -> None:
    with HeyGenClient(_settings(served), clock=served.hooks.clock) as client:
        assert len(client.list_avatar_groups()) == 12
        looks = client.list_looks()
        assert len({look.id for look in looks}) == 24
        args = {"avatar_id": looks[0].id, "script": "Hello there.", "voice_id": "voice_0001", "aspect_ratio": "9:16"}
        first = client.create_video(**args, idempotency_key="job-1")
        assert client.create_video(**args, idempotency_key="job-1") == first  # replayed, not re-made
        assert served.hooks.events["heygen_videos_created"] == 1
        assert client.get_video(first).status == "pending"
        served.hooks.clock.advance(api_facts.HEYGEN_PROCESSING_SECONDS + 1)
        done = client.get_video(first)
        assert done.status == "completed" and done.video_url and done.video_url.endswith(f"/media/{first}.mp4")
    with HeyGenClient(_settings(served, heygen_api_key="wrong"), clock=served.hooks.clock) as client:
        with pytest.raises(AuthError):
            client.list_looks()


def test_zego_client_lists_every_digital_human(served: Any) -> None:
    with ZegoClient(_settings(served), clock=served.hooks.clock) as client:
        humans = client.list_digital_humans()
        assert len({h.id for h in humans}) == 45
    with ZegoClient(_settings(served, zego_server_secret="wrong"), clock=served.hooks.clock) as client:
        with pytest.raises(AuthError):
            client.list_digital_humans()
