"""HeyGen's documented video replies, replayed through the client; its requests checked against the documented schema.

The replies are built from HeyGen's reference, not from the sandbox: the OpenAPI document the
reference pages are rendered from (heygen-com/heygen-cli, `codegen/external-api.json`:
CreateAvatarVideoResponse, VideoDetail and StandardAPIError with their `examples`) and the example
reply printed on developers.heygen.com/reference/list-videos (placeholders such as `<string>` kept as
printed). The request rules below are CreateVideoFromAvatar as that reference states it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from runner.providers.config import ProviderSettings
from runner.providers.errors import PermanentError, ProviderError
from runner.providers.heygen import HeyGenClient, render_status
from runner.providers.retry import RetryPolicy
from runner.vocabulary.tasks import TaskStatus
from tests.fake_clock import FakeClock

# CreateAvatarVideoResponse, its `examples`: the first status is not one of the GET statuses.
CREATED = {"data": {"video_id": "v_abc123def456", "status": "waiting"}}
# VideoDetail, its `examples` (a generated video: no `output_language`).
COMPLETED = {
    "data": {
        "id": "v_abc123def456",
        "title": "My Generated Video",
        "status": "completed",
        "created_at": 1711929600,
        "completed_at": 1711930200,
        "video_url": "https://files.heygen.ai/video/abc123.mp4",
        "thumbnail_url": "https://files.heygen.ai/thumb/abc123.jpg",
        "gif_url": "https://files.heygen.ai/gif/abc123.gif",
        "captioned_video_url": "https://files.heygen.ai/video/abc123_captioned.mp4",
        "subtitle_url": "https://files.heygen.ai/srt/abc123.srt",
        "duration": 30.5,
        "folder_id": "folder_abc123",
        "video_page_url": "https://app.heygen.com/video/abc123",
    }
}


def _in_progress(status: str) -> dict[str, Any]:
    """VideoDetail while rendering: `id` and `status` (required), the rest null as the schema's defaults."""
    return {"data": {"id": "v_abc123def456", "title": "My Generated Video", "status": status, "video_url": None}}


# VideoDetail when failed: "`failure_code` ... Only present when status is failed", with its examples.
FAILED = {
    "data": {
        "id": "v_abc123def456",
        "title": "My Generated Video",
        "status": "failed",
        "created_at": 1711929600,
        "video_url": None,
        "failure_code": "rendering_failed",
        "failure_message": "Avatar rendering timed out",
    }
}
# list-videos, the reference page's example (with its `<string>` placeholders), then a last page.
LISTED = [
    {
        "data": [
            {
                "id": "<string>",
                "status": "pending",
                "title": "My Generated Video",
                "created_at": 1711929600,
                "completed_at": 1711930200,
                "video_url": "https://files.heygen.ai/video/abc123.mp4",
                "failure_code": "rendering_failed",
                "failure_message": "Avatar rendering timed out",
            }
        ],
        "has_more": True,
        "next_token": "<string>",
    },
    {"data": [COMPLETED["data"]], "has_more": False, "next_token": None},
]
# StandardAPIError examples of the get-video and create-video operations.
NOT_FOUND = {"error": {"code": "not_found", "message": "Video not found.", "param": None, "doc_url": None}}
RATE_LIMITED = {
    "error": {
        "code": "rate_limit_exceeded",
        "message": "Too many requests. Retry after the duration specified in the Retry-After header.",
        "param": None,
        "doc_url": None,
    }
}

# CreateVideoFromAvatar: `type` (const "avatar") and `avatar_id` required; these fields and no others.
REQUIRED = {"type", "avatar_id"}
DOCUMENTED = REQUIRED | {
    "title",
    "resolution",
    "aspect_ratio",
    "fit",
    "background",
    "remove_background",
    "callback_url",
    "callback_id",
    "watermark",
    "caption",
    "output_format",
    "script",
    "voice_id",
    "audio_url",
    "audio_asset_id",
    "voice_settings",
    "engine",
    "motion_prompt",
    "expressiveness",
}
ASPECT_RATIOS = {"16:9", "9:16", "4:5", "5:4", "1:1", "auto"}
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{1,255}$")

SETTINGS = ProviderSettings({"HEYGEN_API_BASE_URL": "https://api.heygen.com", "HEYGEN_API_KEY": "key"})


class SleepLog(FakeClock):
    """A fake clock that remembers every sleep."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        super().sleep(seconds)


def replaying(
    *replies: tuple[int, Any, dict[str, str]], clock: FakeClock | None = None
) -> tuple[HeyGenClient, list[httpx.Request]]:
    """A client whose requests get `replies` in order: (HTTP status, JSON body, headers)."""
    seen: list[httpx.Request] = []
    queue = list(replies)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, body, headers = queue.pop(0)
        return httpx.Response(status, json=body, headers=headers)

    transport = httpx.MockTransport(handler)
    client = HeyGenClient(SETTINGS, clock=clock or FakeClock(), transport=transport, retry=RetryPolicy(jitter=False))
    return client, seen


def ok(body: Any) -> tuple[int, Any, dict[str, str]]:
    return 200, body, {}


def assert_documented_create(request: httpx.Request) -> dict[str, Any]:
    """The request is a POST /v3/videos of the avatar shape; return its body."""
    assert (request.method, request.url.path) == ("POST", "/v3/videos")
    assert request.headers["X-Api-Key"] == "key" and request.headers["Content-Type"] == "application/json"
    assert IDEMPOTENCY_KEY.fullmatch(request.headers["Idempotency-Key"])
    body: dict[str, Any] = json.loads(request.content)
    assert REQUIRED <= set(body) <= DOCUMENTED, set(body) ^ DOCUMENTED
    assert body["type"] == "avatar" and isinstance(body["avatar_id"], str)
    assert 1 <= len(body["script"]) <= 5000 and isinstance(body["voice_id"], str)
    assert body["aspect_ratio"] in ASPECT_RATIOS
    return body


ARGS = {"avatar_id": "look_1", "script": "Hello.", "voice_id": "voice_1", "aspect_ratio": "9:16"}


def test_the_create_body_has_every_required_field_and_only_documented_ones() -> None:
    client, seen = replaying(ok(CREATED))
    assert client.create_video(**ARGS, idempotency_key="hg-0000000000000003") == "v_abc123def456"
    body = assert_documented_create(seen[0])
    assert body == {"type": "avatar", **ARGS}
    assert seen[0].headers["Idempotency-Key"] == "hg-0000000000000003"


def test_a_title_is_sent_when_given() -> None:
    client, seen = replaying(ok(CREATED))
    client.create_video(**ARGS, idempotency_key="k", title="Spring promo ~hg-0003")
    assert assert_documented_create(seen[0])["title"] == "Spring promo ~hg-0003"


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_a_render_in_progress(status: str) -> None:
    client, seen = replaying(ok(_in_progress(status)))
    video = client.get_video("v_abc123def456")
    assert (video.video_id, video.status, video.video_url, video.error) == (
        "v_abc123def456",
        render_status(status),
        None,
        None,
    )
    assert (seen[0].method, seen[0].url.path) == ("GET", "/v3/videos/v_abc123def456")


def test_a_completed_render_reads_the_documented_fields() -> None:
    client, _ = replaying(ok(COMPLETED))
    video = client.get_video("v_abc123def456")
    assert (video.video_id, video.status, video.title) == ("v_abc123def456", TaskStatus.SUCCEEDED, "My Generated Video")
    assert video.video_url == "https://files.heygen.ai/video/abc123.mp4"
    assert (video.error, video.failure_code, video.failure_message) == (None, None, None)


def test_a_failed_render_says_why() -> None:
    client, _ = replaying(ok(FAILED))
    video = client.get_video("v_abc123def456")
    assert (video.status, video.failure_code, video.failure_message) == (
        TaskStatus.FAILED,
        "rendering_failed",
        "Avatar rendering timed out",
    )
    assert video.error is not None and "Avatar rendering timed out" in video.error and "rendering_failed" in video.error


def test_the_old_error_object_is_read_only_when_the_documented_fields_are_absent() -> None:
    legacy = {"data": {"id": "v1", "status": "failed", "error": {"code": "render_failed", "message": "no luck"}}}
    client, _ = replaying(ok(legacy))
    video = client.get_video("v1")
    assert (video.failure_code, video.failure_message) == ("render_failed", "no luck")


def test_a_reply_without_the_video_id_is_not_taken_for_the_requested_one() -> None:
    client, _ = replaying(ok({"data": {"video_id": "v1", "status": "completed"}}))
    with pytest.raises(ProviderError, match="no id"):
        client.get_video("v1")


def test_an_unknown_video_is_a_permanent_not_found() -> None:
    client, _ = replaying((404, NOT_FOUND, {}))
    with pytest.raises(PermanentError) as caught:
        client.get_video("v_gone")
    assert (caught.value.code, caught.value.http_status) == ("not_found", 404)


def test_a_429_waits_as_long_as_retry_after_says() -> None:
    clock = SleepLog()
    client, seen = replaying((429, RATE_LIMITED, {"Retry-After": "7"}), ok(CREATED), clock=clock)
    assert client.create_video(**ARGS, idempotency_key="k") == "v_abc123def456"
    assert len(seen) == 2 and seen[0].headers["Idempotency-Key"] == seen[1].headers["Idempotency-Key"]
    assert max(clock.sleeps) >= 7


def test_the_list_follows_next_token_and_filters_by_title() -> None:
    client, seen = replaying(*(ok(page) for page in LISTED))
    videos = client.list_videos(title="~hg-0003")
    assert [(v.video_id, v.status) for v in videos] == [
        ("<string>", TaskStatus.QUEUED),
        ("v_abc123def456", TaskStatus.SUCCEEDED),
    ]
    assert videos[0].failure_code == "rendering_failed" and videos[1].title == "My Generated Video"
    assert [(r.method, r.url.path) for r in seen] == [("GET", "/v3/videos")] * 2
    first, second = (dict(r.url.params) for r in seen)
    assert first == {"title": "~hg-0003", "limit": "100"}
    assert second == {"title": "~hg-0003", "limit": "100", "token": "<string>"}


def test_the_list_without_a_title_sends_no_filter() -> None:
    client, seen = replaying(ok(LISTED[1]))
    assert [v.video_id for v in client.list_videos()] == ["v_abc123def456"]
    assert dict(seen[0].url.params) == {"limit": "100"}
