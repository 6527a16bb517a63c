from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner import api_facts
from runner.sandbox.docs_facts import heygen as heygen_facts
from runner.vocabulary.providers import HEYGEN, provider

TOKEN = "sandbox-token"
H = {"X-Api-Key": TOKEN}
# The client's reading, from the registries, that the emulator is checked against.
_SCRIPT_MAX_CHARS = provider(HEYGEN).script_max_chars or 0


def _client(served: Any) -> httpx.Client:
    return httpx.Client(base_url=served.heygen_url, headers=H, timeout=10)


def _video_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "avatar",
        "avatar_id": "look_0001_1",
        "script": "Northwind boots: 30% off.",
        "voice_id": "voice_0001",
        "aspect_ratio": "9:16",
    }
    body.update(over)
    return body


def _assert_error(resp: httpx.Response, status: int, code: str | None = None) -> None:
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["message"]
    if code is not None:
        assert err["code"] == code


# --- auth ------------------------------------------------------------------------------
def test_missing_and_wrong_api_key_are_401(served: Any) -> None:
    with httpx.Client(base_url=served.heygen_url) as c:
        _assert_error(c.get("/v3/avatars"), 401, "unauthorized")
        _assert_error(c.get("/v3/avatars", headers={"X-Api-Key": "nope"}), 401, "unauthorized")
        _assert_error(c.post("/v3/videos", json=_video_body()), 401)
    assert served.hooks.state["heygen"]["videos"] == {}


# --- groups and looks --------------------------------------------------------------------
def test_list_groups_paginates_to_exhaustion(served: Any) -> None:
    with _client(served) as c:
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 5}
        pages = 0
        while True:
            body = c.get("/v3/avatars", params=params).json()
            pages += 1
            assert len(body["data"]) <= 5
            seen.extend(g["id"] for g in body["data"])
            if not body["has_more"]:
                assert body["next_token"] is None
                break
            params = {"limit": 5, "token": body["next_token"]}
        assert pages == 3
        assert len(seen) == len(set(seen)) == 12
        default = c.get("/v3/avatars").json()
        assert len(default["data"]) == api_facts.HEYGEN_PAGE_LIMIT_DEFAULT or not default["has_more"]
        group = default["data"][0]
        assert {"id", "name", "looks_count", "consent_status", "default_voice_id", "created_at"} <= set(group)
        assert "status" not in group  # only private groups have a training status


@pytest.mark.parametrize("limit", ["0", "51", "ten", "-1"])
def test_list_groups_bad_limit_is_400(served: Any, limit: str) -> None:
    with _client(served) as c:
        _assert_error(c.get("/v3/avatars", params={"limit": limit}), 400, "invalid_parameter")


def test_list_groups_bad_token_and_ownership_are_400(served: Any) -> None:
    with _client(served) as c:
        _assert_error(c.get("/v3/avatars", params={"token": "garbage!"}), 400)
        token = c.get("/v3/avatars", params={"limit": 1}).json()["next_token"]
        # a token of one query is not valid for another
        _assert_error(c.get("/v3/avatars/looks", params={"token": token}), 400)
        _assert_error(c.get("/v3/avatars", params={"ownership": "mine"}), 400)
        assert c.get("/v3/avatars", params={"ownership": "private"}).json()["data"] == []
        assert len(c.get("/v3/avatars", params={"ownership": "public", "limit": 50}).json()["data"]) == 12


def test_get_group_and_404(served: Any) -> None:
    with _client(served) as c:
        group = c.get("/v3/avatars/group_0002").json()["data"]
        assert group["id"] == "group_0002" and group["looks_count"] >= 1
        _assert_error(c.get("/v3/avatars/group_nope"), 404, "not_found")


def test_list_looks_filter_pagination_and_unknown_group(served: Any) -> None:
    with _client(served) as c:
        looks: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 7}
        while True:
            body = c.get("/v3/avatars/looks", params=params).json()
            looks.extend(body["data"])
            if not body["has_more"]:
                break
            params = {"limit": 7, "token": body["next_token"]}
        assert len(looks) == 24 and len({lk["id"] for lk in looks}) == 24
        group = c.get("/v3/avatars/group_0003").json()["data"]
        only = c.get("/v3/avatars/looks", params={"group_id": "group_0003"}).json()["data"]
        assert len(only) == group["looks_count"] and all(lk["group_id"] == "group_0003" for lk in only)
        _assert_error(c.get("/v3/avatars/looks", params={"group_id": "group_nope"}), 404)
        _assert_error(c.get("/v3/avatars/looks", params={"limit": "100"}), 400)


# --- digital twin and consent -------------------------------------------------------------
def _create_twin(c: httpx.Client, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "digital_twin",
        "name": "Isabelle twin",
        "file": {"type": "url", "url": "https://example.com/footage.mp4"},
    }
    body.update(over)
    resp = c.post("/v3/avatars", json=body)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()["data"]
    return data


@pytest.mark.parametrize(
    "body",
    [
        {"type": "photo_avatar", "name": "x", "file": {"type": "url", "url": "https://e.com/a.mp4"}},
        {"type": "digital_twin", "file": {"type": "url", "url": "https://e.com/a.mp4"}},
        {"type": "digital_twin", "name": "x"},
        {"type": "digital_twin", "name": "x", "file": {"type": "url", "url": "ftp://e.com/a.mp4"}},
        {"type": "digital_twin", "name": "x", "file": {"type": "asset_id", "asset_id": ""}},
        {"type": "digital_twin", "name": "x", "file": {"type": "base64", "media_type": "video/mp4", "data": "%%%"}},
        {"type": "digital_twin", "name": "x", "file": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
        {"type": "digital_twin", "name": "x", "file": {"type": "zip"}},
    ],
)
def test_create_avatar_rejections(served: Any, body: dict[str, Any]) -> None:
    with _client(served) as c:
        _assert_error(c.post("/v3/avatars", json=body), 400, "invalid_parameter")
        assert c.get("/v3/avatars", params={"ownership": "private"}).json()["data"] == []


def test_consent_flow_end_to_end(served: Any) -> None:
    with _client(served) as c:
        twin = _create_twin(
            c, file={"type": "base64", "media_type": "video/mp4", "data": base64.b64encode(b"frames").decode()}
        )
        look, group = twin["avatar_item"], twin["avatar_group"]
        assert look["avatar_type"] == "digital_twin" and look["group_id"] == group["id"]
        assert group["consent_status"] is None and group["looks_count"] == 1
        listed = c.get("/v3/avatars/" + group["id"]).json()["data"]
        assert listed["status"] == "pending_consent"
        # a second look on the same identity
        second = _create_twin(c, avatar_group_id=group["id"], file={"type": "asset_id", "asset_id": "asset_1"})
        assert second["avatar_group"]["id"] == group["id"] and second["avatar_group"]["looks_count"] == 2
        # no render before consent
        _assert_error(c.post("/v3/videos", json=_video_body(avatar_id=look["id"])), 403, "consent_required")
        consent = c.post(f"/v3/avatars/{group['id']}/consent", json={}).json()["data"]
        assert consent["avatar_group"]["consent_status"] == "pending"
        url = consent["url"]
        assert url.startswith(served.heygen_url + "/consent/")
        page = httpx.get(url)  # the subject's browser: no API key
        assert page.status_code == 200 and "I approve" in page.text and "Isabelle twin" in page.text
        assert (
            c.get("/v3/avatars/" + group["id"]).json()["data"]["consent_status"] == "pending"
        )  # a look changes nothing
        answer = httpx.post(url, data={"decision": "approve"})  # the page's form, as a browser sends it
        assert answer.status_code == 200 and "approved" in answer.text
        training = c.get("/v3/avatars/" + group["id"]).json()["data"]
        assert training["consent_status"] == "approved" and training["status"] == "training"
        _assert_error(c.post("/v3/videos", json=_video_body(avatar_id=look["id"])), 403, "consent_required")
        served.hooks.clock.advance(600)
        done = c.get("/v3/avatars/" + group["id"]).json()["data"]
        assert done["status"] == "completed" and "error" not in done
        assert c.post("/v3/videos", json=_video_body(avatar_id=look["id"])).status_code == 200
        assert httpx.post(url, data={"decision": "refuse"}).status_code == 410  # a link is used once
        private = c.get("/v3/avatars", params={"ownership": "private"}).json()["data"]
        assert [g["id"] for g in private] == [group["id"]]


def test_consent_rejections_and_reroute(served: Any) -> None:
    with _client(served) as c:
        _assert_error(c.post("/v3/avatars/group_nope/consent", json={}), 404)
        _assert_error(c.post("/v3/avatars/group_0001/consent", json={}), 400)  # public group
        group_id = _create_twin(c)["avatar_group"]["id"]
        _assert_error(c.post(f"/v3/avatars/{group_id}/consent", json={"reroute_url": "nope"}), 400)
        _assert_error(
            c.post(
                "/v3/avatars",
                json={
                    "type": "digital_twin",
                    "name": "x",
                    "file": {"type": "asset_id", "asset_id": "a"},
                    "avatar_group_id": "group_0001",
                },
            ),
            403,
        )
        url = c.post(f"/v3/avatars/{group_id}/consent", json={"reroute_url": "https://heygen.example/done"}).json()[
            "data"
        ]["url"]
        assert httpx.post(url, data={"decision": "maybe"}).status_code == 400
        visit = httpx.post(url, data={"decision": "approve"})
        assert visit.status_code == 303 and visit.headers["location"] == "https://heygen.example/done"
        assert httpx.get(served.heygen_url + "/consent/unknown").status_code == 404
        assert httpx.post(served.heygen_url + "/consent/unknown", data={"decision": "approve"}).status_code == 404


def test_refused_consent_and_failed_training(make_served: Any) -> None:
    served = make_served(twin_training_failure_rate=1.0)
    with _client(served) as c:
        refused, trained = _create_twin(c, name="Refuser"), _create_twin(c, name="Trainee")
        for twin, decision in ((refused, "refuse"), (trained, "approve")):
            url = c.post(f"/v3/avatars/{twin['avatar_group']['id']}/consent", json={}).json()["data"]["url"]
            assert httpx.post(url, data={"decision": decision}).status_code == 200
            assert "already answered" in httpx.get(url).text
        served.hooks.clock.advance(600)
        gone = c.get("/v3/avatars/" + refused["avatar_group"]["id"]).json()["data"]
        assert gone["consent_status"] == "rejected" and gone["status"] == "consent_rejected"
        failed = c.get("/v3/avatars/" + trained["avatar_group"]["id"]).json()["data"]
        assert failed["consent_status"] == "approved" and failed["status"] == "failed"
        assert failed["error"]["code"] == "training_failed"
        for twin in (refused, trained):
            reply = c.post("/v3/videos", json=_video_body(avatar_id=twin["avatar_item"]["id"]))
            _assert_error(reply, 403, "consent_required")


# --- videos -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("over", "status"),
    [
        ({"avatar_id": "look_nope"}, 404),
        ({"avatar_id": None}, 400),
        ({"script": ""}, 400),
        ({"script": "x" * (_SCRIPT_MAX_CHARS + 1)}, 400),
        ({"voice_id": 5}, 400),  # documented: a null or absent voice_id takes the look's default voice
        ({"aspect_ratio": "4:3"}, 400),
    ],
)
def test_create_video_rejections(served: Any, over: dict[str, Any], status: int) -> None:
    with _client(served) as c:
        _assert_error(c.post("/v3/videos", json=_video_body(**over)), status)
        _assert_error(c.post("/v3/videos", content=b"not json", headers={"content-type": "application/json"}), 400)
    assert served.hooks.state["heygen"]["videos"] == {}


def test_video_lifecycle_on_virtual_clock_and_media(served: Any) -> None:
    with _client(served) as c:
        body = _video_body(script="x" * _SCRIPT_MAX_CHARS)
        body.pop("aspect_ratio")
        created = c.post("/v3/videos", json=body)
        assert created.status_code == 200
        video_id = created.json()["data"]["video_id"]
        assert served.hooks.events["heygen_videos_created"] == 1
        view = c.get(f"/v3/videos/{video_id}").json()["data"]
        assert view["status"] == "pending" and view["video_url"] is None
        # the aspect ratio is not part of the documented VideoDetail: read it from the emulator's state
        rendered = served.hooks.state["heygen"]["videos"][video_id]
        assert rendered["aspect_ratio"] == api_facts.HEYGEN_DEFAULT_ASPECT_RATIO
        served.hooks.clock.advance(10)
        assert c.get(f"/v3/videos/{video_id}").json()["data"]["status"] == "processing"
        assert httpx.get(f"{served.heygen_url}/media/{video_id}.mp4").status_code == 404
        served.hooks.clock.advance(heygen_facts.RENDER_SECONDS)
        done = c.get(f"/v3/videos/{video_id}").json()["data"]
        assert done["status"] == "completed" and "failure_code" not in done and "error" not in done
        media = httpx.get(done["video_url"], timeout=60)  # the first download renders it
        assert media.status_code == 200 and media.headers["content-type"] == "video/mp4"
        assert media.content[4:8] == b"ftyp"
        _assert_error(c.get("/v3/videos/deadbeef"), 404)


def test_failed_render(make_served: Any) -> None:
    served = make_served(task_failure_rate=1.0)
    with _client(served) as c:
        video_id = c.post("/v3/videos", json=_video_body()).json()["data"]["video_id"]
        served.hooks.clock.advance(heygen_facts.RENDER_SECONDS + 1)
        view = c.get(f"/v3/videos/{video_id}").json()["data"]
        assert view["status"] == "failed" and view["failure_message"] and view["video_url"] is None


def test_idempotency_replay_whatever_the_body_and_expiry(served: Any) -> None:
    with _client(served) as c:
        first = c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "k1"})
        again = c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "k1"})
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert len(served.hooks.state["heygen"]["videos"]) == 1
        # documented: a repeat within 24 h replays the original reply "even if the request body differs"
        other = c.post("/v3/videos", json=_video_body(script="other"), headers={"Idempotency-Key": "k1"})
        assert other.status_code == 200 and other.json() == first.json()
        assert len(served.hooks.state["heygen"]["videos"]) == 1
        _assert_error(c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "x" * 256}), 400)
        # a rejected request does not burn its key
        _assert_error(c.post("/v3/videos", json=_video_body(voice_id=""), headers={"Idempotency-Key": "k2"}), 400)
        assert c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "k2"}).status_code == 200
        assert len(served.hooks.state["heygen"]["videos"]) == 2
        served.hooks.clock.advance(heygen_facts.IDEMPOTENCY_WINDOW_SECONDS + 1)
        late = c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "k1"})
        assert late.status_code == 200 and late.json()["data"]["video_id"] != first.json()["data"]["video_id"]
        assert len(served.hooks.state["heygen"]["videos"]) == 3


def test_idempotency_concurrent_repeat_is_409(make_served: Any) -> None:
    # every reply is slow: 2-5 virtual s at 0.1 real s each = 0.2-0.5 s in flight
    served = make_served(slow_rate=1.0, speed=0.1)
    results: list[httpx.Response] = []

    def first() -> None:
        with _client(served) as c:
            results.append(c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "slow"}))

    thread = threading.Thread(target=first)
    thread.start()
    with _client(served) as c:
        emulator = served.heygen_emulator
        deadline = time.monotonic() + 10
        while "slow" not in emulator.videos.in_flight():
            assert time.monotonic() < deadline, "the first create never started"
            time.sleep(0.005)
        _assert_error(
            c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "slow"}), 409, "request_in_progress"
        )
        thread.join(timeout=10)
        assert results[0].status_code == 200
        replay = c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "slow"})
        assert replay.json() == results[0].json()
    assert len(served.hooks.state["heygen"]["videos"]) == 1


def test_rate_limit_429_with_retry_after(served: Any) -> None:
    served.hooks.clock.step = 0.0
    with _client(served) as c:
        statuses = [c.get("/v3/avatars/group_0001").status_code for _ in range(api_facts.HEYGEN_QPS)]
        assert statuses == [200] * api_facts.HEYGEN_QPS  # the fake clock stands still: all in one second
        limited = c.get("/v3/avatars/group_0001")
        _assert_error(limited, 429, "rate_limit_exceeded")
        assert int(limited.headers["retry-after"]) >= 1
        assert served.hooks.rate_limited["heygen GET /v3/avatars/{group_id}"] == 1
        served.hooks.clock.advance(1.0)
        assert c.get("/v3/avatars/group_0001").status_code == 200


def test_faults_are_5xx_and_have_no_effect(served: Any) -> None:
    served.hooks.force_faults = 2
    with _client(served) as c:
        for _ in range(2):
            resp = c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "f"})
            assert resp.status_code in (500, 503) and resp.json()["error"]["message"]
        assert served.hooks.state["heygen"]["videos"] == {}
        assert c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "f"}).status_code == 200
    assert served.hooks.requests["heygen POST /v3/videos"] == 3


def test_lost_reply_takes_effect_and_the_key_replays_it(make_served: Any) -> None:
    served = make_served(lost_reply_rate=1.0)
    with _client(served) as c, pytest.raises(httpx.TransportError):
        c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "lost"})
    videos = served.hooks.state["heygen"]["videos"]
    assert len(videos) == 1  # it happened, though the client never heard
    with _client(served) as c:
        replay = c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "lost"})
        assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["data"]["video_id"] == next(iter(videos))
        with pytest.raises(httpx.TransportError):
            c.post(
                "/v3/avatars", json={"type": "digital_twin", "name": "t", "file": {"type": "asset_id", "asset_id": "a"}}
            )
    assert len(served.hooks.state["heygen"]["groups"]) == 1


def test_state_persists_in_the_state_file(make_served: Any, tmp_path: Path) -> None:
    state_file = tmp_path / "sandbox.json"
    served = make_served(state_file=state_file)
    with _client(served) as c:
        created = c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "p"}).json()
        twin = _create_twin(c)
    assert json.loads(state_file.read_text())["heygen"]["videos"]
    again = make_served(state_file=state_file)  # a second run sees the same account
    with _client(again) as c:
        replay = c.post("/v3/videos", json=_video_body(), headers={"Idempotency-Key": "p"})
        assert replay.json() == created
        video_id = created["data"]["video_id"]
        assert c.get(f"/v3/videos/{video_id}").json()["data"]["status"] == "pending"
        group = c.get("/v3/avatars/" + twin["avatar_group"]["id"]).json()["data"]
        assert group["status"] == "pending_consent" and group["looks_count"] == 1
