"""POST /v3/videos as the HeyGen docs state it, where the docs say more than the client reads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from runner.sandbox.docs_facts import heygen as facts
from runner.sandbox.video import SIZES

H = {"X-Api-Key": "sandbox-token"}


def _client(served: Any) -> httpx.Client:
    return httpx.Client(base_url=served.heygen_url, headers=H, timeout=10)


def _video_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": facts.VIDEO_TYPE,
        "avatar_id": "look_0001_1",
        "script": "Northwind boots.",
        "voice_id": "voice_0001",
    }
    body.update(over)
    return body


def _error_code(reply: httpx.Response, status: int) -> str:
    assert reply.status_code == status, reply.text
    code: str = reply.json()["error"]["code"]
    return code


@pytest.mark.parametrize("aspect_ratio", facts.ASPECT_RATIOS)
def test_every_documented_aspect_ratio_renders(served: Any, aspect_ratio: str) -> None:
    with _client(served) as c:
        created = c.post("/v3/videos", json=_video_body(aspect_ratio=aspect_ratio))
        assert created.status_code == 200, created.text
        video_id = created.json()["data"]["video_id"]
        assert c.get(f"/v3/videos/{video_id}").status_code == 200
    # VideoDetail does not carry the aspect ratio: the emulator's state says what it renders
    assert served.hooks.state["heygen"]["videos"][video_id]["aspect_ratio"] == aspect_ratio


@pytest.mark.parametrize("aspect_ratio", [r for r in facts.ASPECT_RATIOS if r != "auto"])
def test_rendered_files_have_the_requested_shape(aspect_ratio: str) -> None:
    width, height = SIZES[aspect_ratio]
    across, down = (int(n) for n in aspect_ratio.split(":"))
    assert width * down == height * across and width % 2 == height % 2 == 0  # H.264 wants even sizes


def test_the_type_is_required_and_avatar(served: Any) -> None:
    body = _video_body()
    del body["type"]
    with _client(served) as c:
        assert c.post("/v3/videos", json=_video_body(type=facts.VIDEO_TYPE)).status_code == 200
        assert _error_code(c.post("/v3/videos", json=_video_body(type="video_translate")), 400) == "invalid_parameter"
        missing = c.post("/v3/videos", json=body)  # documented as required: left out is refused
        assert _error_code(missing, 400) == "invalid_parameter" and missing.json()["error"]["param"] == "type"
    assert len(served.hooks.state["heygen"]["videos"]) == 1


@pytest.mark.parametrize("key", ["has space", "slash/key", "name~tag", "", "k" * (facts.IDEMPOTENCY_KEY_MAX_CHARS + 1)])
def test_idempotency_keys_outside_the_documented_characters_are_refused(served: Any, key: str) -> None:
    with _client(served) as c:
        reply = c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": key})
        assert _error_code(reply, 400) == "invalid_parameter"
    assert served.hooks.state["heygen"]["videos"] == {}


def test_idempotency_keys_of_every_documented_character_are_taken(served: Any) -> None:
    key = ("av-0123456789abcdef:Key_v1.Z" * 10)[: facts.IDEMPOTENCY_KEY_MAX_CHARS]
    with _client(served) as c:
        assert c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": key}).status_code == 200


def test_a_failed_render_says_why_in_the_documented_fields(make_served: Any) -> None:
    served = make_served(task_failure_rate=1.0)
    with _client(served) as c:
        video_id = c.post("/v3/videos", json=_video_body()).json()["data"]["video_id"]
        assert "failure_code" not in c.get(f"/v3/videos/{video_id}").json()["data"]
        served.hooks.clock.advance(facts.RENDER_SECONDS + 1)
        view = c.get(f"/v3/videos/{video_id}").json()["data"]
    assert view["status"] == "failed" and view["failure_code"] and view["failure_message"]
    assert "error" not in view  # not a field of VideoDetail
