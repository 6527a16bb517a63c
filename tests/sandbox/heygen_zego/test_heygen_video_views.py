"""The create reply, GET /v3/videos/{id}, GET /v3/videos and the Idempotency-Key, as documented, over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from runner.sandbox.docs_facts import heygen as facts

H = {"X-Api-Key": "sandbox-token"}
# VideoDetail's fields (the reference's schema); `id` and `status` are required
VIDEO_DETAIL = {
    "id",
    "title",
    "status",
    "created_at",
    "completed_at",
    "video_url",
    "thumbnail_url",
    "gif_url",
    "captioned_video_url",
    "subtitle_url",
    "duration",
    "folder_id",
    "output_language",
    "failure_code",
    "failure_message",
    "video_page_url",
}


def _client(served: Any, key: str = "sandbox-token") -> httpx.Client:
    return httpx.Client(base_url=served.heygen_url, headers={"X-Api-Key": key}, timeout=10)


def _create(c: httpx.Client, title: str | None = None, key: str | None = None) -> str:
    body = {"type": "avatar", "avatar_id": "look_0001_1", "script": "Hello.", "voice_id": "voice_0001", "title": title}
    reply = c.post("/v3/videos", json=body, headers={"Idempotency-Key": key} if key else {})
    assert reply.status_code == 200, reply.text
    video_id: str = reply.json()["data"]["video_id"]
    return video_id


def _listed(c: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every page of GET /v3/videos, following next_token."""
    videos: list[dict[str, Any]] = []
    while True:
        page = c.get("/v3/videos", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        videos.extend(body["data"])
        if not body["has_more"]:
            assert body["next_token"] is None
            return videos
        params = {**params, "token": body["next_token"]}


def test_the_create_reply_is_a_video_id_and_a_first_status(served: Any) -> None:
    with _client(served) as c:
        reply = c.post("/v3/videos", json={"type": "avatar", "avatar_id": "look_0001_1", "script": "Hi."}).json()
    assert set(reply["data"]) == {"video_id", "status"} and reply["data"]["status"] == facts.CREATE_STATUS


def test_get_answers_the_documented_video_detail(served: Any) -> None:
    with _client(served) as c:
        video_id = _create(c, title="Promo")
        pending = c.get(f"/v3/videos/{video_id}").json()["data"]
        served.hooks.clock.advance(facts.RENDER_SECONDS + 1)
        done = c.get(f"/v3/videos/{video_id}").json()["data"]
    assert set(pending) <= VIDEO_DETAIL and set(done) <= VIDEO_DETAIL
    assert (pending["id"], pending["status"], pending["video_url"]) == (video_id, "pending", None)
    assert (done["id"], done["status"], done["title"]) == (video_id, "completed", "Promo")
    assert done["video_url"] and done["completed_at"] >= done["created_at"] and done["duration"] > 0


def test_an_unknown_video_is_404_not_found(served: Any) -> None:
    with _client(served) as c:
        reply = c.get("/v3/videos/deadbeef")
    assert reply.status_code == 404 and reply.json()["error"]["code"] == facts.NOT_FOUND


def test_the_same_key_replays_a_failed_renders_reply(make_served: Any) -> None:
    served = make_served(task_failure_rate=1.0)
    with _client(served) as c:
        video_id = _create(c, key="hg-0000000000000003")
        served.hooks.clock.advance(facts.RENDER_SECONDS + 1)
        assert c.get(f"/v3/videos/{video_id}").json()["data"]["failure_code"] == facts.FAILURE_CODE
        assert _create(c, key="hg-0000000000000003") == video_id  # the failed video back, not a new render
    assert len(served.hooks.state["heygen"]["videos"]) == 1


def test_the_list_pages_by_limit_and_cursor_newest_first(make_served: Any) -> None:
    served = make_served(heygen_max_concurrent=30)
    with _client(served) as c:
        made = [_create(c, title=f"video {n}") for n in range(25)]
        first = c.get("/v3/videos").json()
        assert len(first["data"]) == facts.VIDEO_LIST_LIMIT_DEFAULT and first["has_more"]
        listed = _listed(c, limit=7)
        assert [v["id"] for v in listed] == made[::-1]
        assert set(listed[0]) <= VIDEO_DETAIL
        assert len(c.get("/v3/videos", params={"limit": facts.VIDEO_LIST_LIMIT_MAX}).json()["data"]) == 25


@pytest.mark.parametrize("limit", [facts.VIDEO_LIST_LIMIT_MIN - 1, facts.VIDEO_LIST_LIMIT_MAX + 1, "ten"])
def test_the_list_limit_outside_its_documented_range_is_refused(served: Any, limit: Any) -> None:
    with _client(served) as c:
        reply = c.get("/v3/videos", params={"limit": limit})
    assert reply.status_code == 400 and reply.json()["error"]["param"] == "limit"


def test_a_cursor_of_another_query_is_refused(served: Any) -> None:
    with _client(served) as c:
        for n in range(3):
            _create(c, title=f"video {n}")
        token = c.get("/v3/videos", params={"limit": 1}).json()["next_token"]
        assert c.get("/v3/videos", params={"limit": 1, "token": token}).status_code == 200
        reply = c.get("/v3/videos", params={"limit": 1, "token": token, "title": "video"})
    assert reply.status_code == 400 and reply.json()["error"]["param"] == "token"


def test_the_list_filters_by_title_substring(served: Any) -> None:
    with _client(served) as c:
        tagged = _create(c, title="Spring promo ~hg-0003")
        _create(c, title="Spring promo ~hg-0004")
        _create(c)
        assert [v["id"] for v in _listed(c, title="~hg-0003")] == [tagged]
        assert len(_listed(c, title="Spring")) == 2 and _listed(c, title="spring") == []
        assert _listed(c, folder_id="folder_abc123") == []  # no sandbox video is in a folder


def test_the_list_shows_only_the_accounts_own_videos(make_served: Any) -> None:
    served = make_served(tokens=("other-key",))
    with _client(served) as mine, _client(served, "other-key") as theirs:
        video_id = _create(mine, title="mine")
        assert [v["id"] for v in _listed(mine)] == [video_id]
        assert _listed(theirs) == []
