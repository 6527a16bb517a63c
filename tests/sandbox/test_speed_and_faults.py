"""Speed, spread, the fault knobs, the HeyGen render cap and separate apps, over real HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner import api_facts as facts
from runner.sandbox.config import SandboxConfig
from runner.sandbox.docs_facts import heygen as heygen_facts
from runner.sandbox.server import SandboxServer
from runner.sandbox.zego import signature
from runner.vocabulary.kinds import JobKind, kind
from tests.fake_clock import FakeClock

AVATAR = "7295705233773068290"
H = {"Access-Token": "sandbox-token"}
CREATE = "/creative/digital_avatar/video/task/create/"
TASK_GET = "/creative/digital_avatar/video/task/get/"
UPLOAD = "/file/video/ad/upload/"
REFRESH = "/creative/aigc/refresh_video/task/create/"
REFRESH_GET = "/creative/aigc/video/task/list/"
HEYGEN_VIDEO = {
    "type": "avatar",
    "avatar_id": "look_0001_1",
    "script": "Hello there.",
    "voice_id": "voice_0001",
    "aspect_ratio": "9:16",
}


@pytest.fixture
def start() -> Iterator[Any]:
    """Start sandboxes on the real clock with given knobs; stopped after the test."""
    servers: list[SandboxServer] = []

    def run(**knobs: Any) -> SandboxServer:
        knobs.setdefault("seed", 5)
        server = SandboxServer(SandboxConfig(**knobs)).start()
        servers.append(server)
        return server

    yield run
    for server in servers:
        server.stop()


def create(sb: SandboxServer, headers: dict[str, str] = H) -> httpx.Response:
    body = {"material_packages": [{"avatar_id": AVATAR, "script": "Hello there."}]}
    return httpx.post(sb.tiktok_url + CREATE, json=body, headers=headers)


def task_ids(reply: httpx.Response) -> list[str]:
    assert reply.status_code == 200 and reply.json()["code"] == 0, reply.text
    return [t["task_id"] for t in reply.json()["data"]["list"]]


def get_tasks(sb: SandboxServer, ids: list[str]) -> list[dict[str, Any]]:
    reply = httpx.get(sb.tiktok_url + TASK_GET, params={"task_ids": json.dumps(ids)}, headers=H)
    assert reply.json()["code"] == 0
    tasks: list[dict[str, Any]] = reply.json()["data"]["list"]
    return tasks


def stats(sb: SandboxServer) -> dict[str, Any]:
    out: dict[str, Any] = httpx.get(sb.base_url + "/_sandbox/stats").json()
    return out


def durations(sb: SandboxServer) -> list[float]:
    return [t["duration"] for t in sb.world.state["tiktok"]["avatar_tasks"].values()]


# --- speed and spread -----------------------------------------------------------------------------------
def test_speed_runs_tasks_on_the_real_clock_for_a_fraction_of_the_bound(start: Any) -> None:
    sb = start(speed=0.015, spread=(1.0, 1.0))  # exactly 1.5 s for a 100 s bound
    before = time.time()
    [task_id] = task_ids(create(sb))
    expected = 0.015 * facts.avatar_processing_bound(len("Hello there."))
    assert durations(sb) == [pytest.approx(expected)]
    ready_at = stats(sb)["ready_at_latest"]
    assert before + expected <= ready_at <= time.time() + expected  # unix time: the real clock
    assert get_tasks(sb, [task_id])[0]["status"] in ("SUBMITTED", "PROCESSING")
    while time.time() < ready_at:
        time.sleep(0.05)
    assert get_tasks(sb, [task_id])[0]["status"] == "SUCCESS"


def test_spread_draws_seeded_shares_of_the_bound_including_past_it(start: Any) -> None:
    bound = 0.001 * facts.avatar_processing_bound(12)
    drawn = []
    for _ in range(2):
        sb = start(speed=0.001, spread=(0.05, 1.5), seed=3)
        for _ in range(4):
            body = {"material_packages": [{"avatar_id": AVATAR, "script": "Hello there."}] * 5}
            assert httpx.post(sb.tiktok_url + CREATE, json=body, headers=H).json()["code"] == 0
        drawn.append(durations(sb))
    assert drawn[0] == drawn[1]  # same seed, same timings
    shares = [d / bound for d in drawn[0]]
    assert all(0.05 <= s <= 1.5 for s in shares)
    assert min(shares) < 0.5 and max(shares) > 1.0  # from a small share to past the bound


def test_refresh_and_heygen_renders_follow_speed_too(start: Any) -> None:
    sb = start(speed=0.01, spread=(0.5, 0.5))
    upload = httpx.post(
        sb.tiktok_url + UPLOAD,
        headers=H,
        json={"upload_type": "UPLOAD_BY_URL", "use_scenario": "AIGC", "video_url": sb.asset_url()},
    ).json()
    refresh = httpx.post(
        sb.tiktok_url + REFRESH,
        headers=H,
        json={"video_id": upload["data"]["video_id"], "video_refresh_strategy_list": ["SWAP_MUSIC"]},
    ).json()
    assert refresh["code"] == 0
    again = httpx.post(
        sb.tiktok_url + REFRESH,
        headers=H,
        json={"video_id": upload["data"]["video_id"], "video_refresh_strategy_list": ["SWAP_MUSIC"]},
    ).json()
    assert again["code"] == 40100  # 1 refresh create per second
    peaks = stats(sb)["apps"]["app1"]
    assert peaks["peak_refresh_creates_per_second"] == peaks["peak_refresh_creates_per_minute"] == 2
    [task] = sb.world.state["tiktok"]["refresh_tasks"].values()
    assert task["duration"] == pytest.approx(0.01 * 0.5 * kind(JobKind.REFRESH_VIDEO).costs.processing_seconds)
    reply = httpx.post(sb.heygen_url + "/v3/videos", json=HEYGEN_VIDEO, headers={"X-Api-Key": "sandbox-token"})
    assert reply.status_code == 200
    [video] = sb.world.state["heygen"]["videos"].values()
    assert video["duration"] == pytest.approx(0.01 * 0.5 * heygen_facts.RENDER_SECONDS)
    assert stats(sb)["ready_at_latest"] == pytest.approx(video["created_at"] + video["duration"])


def test_slow_renders_take_longer_than_documented(start: Any) -> None:
    sb = start(speed=0.01, spread=(1.0, 1.0), slow_render_rate=1.0, slow_render_factor=2.5)
    task_ids(create(sb))
    assert durations(sb) == [pytest.approx(0.01 * 100 * 2.5)]
    assert stats(sb)["slow_renders"] == 1


def test_preview_url_lifetime_is_a_knob(start: Any) -> None:
    sb = start(speed=0.001, spread=(0.01, 0.01), url_ttl=1.0)
    [task_id] = task_ids(create(sb))
    time.sleep(0.05)
    before = time.time()
    [task] = get_tasks(sb, [task_id])
    expires = int(httpx.URL(task["preview_url"]).params["x-expires"])
    assert before + 1.0 <= expires <= time.time() + 2.0  # rounded up to a whole second
    assert httpx.get(task["preview_url"], timeout=60).status_code == 200  # the first download renders the video
    while time.time() <= expires + 0.05:
        time.sleep(0.1)
    assert httpx.get(task["preview_url"]).status_code == 403


# --- faults ---------------------------------------------------------------------------------------------------
def test_gateway_timeout_after_processing_takes_effect(start: Any) -> None:
    sb = start(speed=0.001, gateway_timeout_rate=1.0)
    reply = create(sb)
    assert reply.status_code == 504
    assert stats(sb)["avatar_videos_created"] == 1 and stats(sb)["gateway_timeouts"] == 1
    heygen = httpx.post(sb.heygen_url + "/v3/videos", json=HEYGEN_VIDEO, headers={"X-Api-Key": "sandbox-token"})
    assert heygen.status_code == 504
    assert stats(sb)["heygen_videos_created"] == 1


def test_forgotten_tasks_are_unknown_to_every_read(start: Any) -> None:
    sb = start(speed=0.001, forget_rate=1.0)
    ids = task_ids(create(sb))
    assert get_tasks(sb, ids) == []
    assert stats(sb)["forgotten"] == 1 and stats(sb)["avatar_videos_created"] == 1


def test_forget_endpoint_loses_tasks_uploads_and_heygen_renders(start: Any) -> None:
    sb = start(speed=0.001)
    kept, lost = task_ids(create(sb)), task_ids(create(sb))
    upload = httpx.post(
        sb.tiktok_url + UPLOAD,
        headers=H,
        json={"upload_type": "UPLOAD_BY_URL", "use_scenario": "AIGC", "video_url": sb.asset_url()},
    ).json()["data"]["video_id"]
    heygen = httpx.post(sb.heygen_url + "/v3/videos", json=HEYGEN_VIDEO, headers={"X-Api-Key": "sandbox-token"})
    video_id = heygen.json()["data"]["video_id"]
    reply = httpx.post(sb.base_url + "/_sandbox/forget", json={"ids": [*lost, upload, video_id]})
    assert reply.json() == {"forgotten": 3}
    assert [t["task_id"] for t in get_tasks(sb, kept + lost)] == kept
    refresh = httpx.post(
        sb.tiktok_url + REFRESH, headers=H, json={"video_id": upload, "video_refresh_strategy_list": ["SWAP_MUSIC"]}
    ).json()
    assert refresh["code"] == 40002 and "upload it first" in refresh["message"]
    got = httpx.get(f"{sb.heygen_url}/v3/videos/{video_id}", headers={"X-Api-Key": "sandbox-token"})
    assert got.status_code == 404
    assert httpx.post(sb.base_url + "/_sandbox/forget", json={"ids": "x"}).status_code == 400


def zego_call(sb: SandboxServer) -> httpx.Response:
    stamp = str(int(time.time()))
    params = {
        "Action": "GetDigitalHumanList",
        "AppId": "1000001",
        "Timestamp": stamp,
        "SignatureNonce": "n1",
        "SignatureVersion": "2.0",
        "Signature": signature("1000001", "n1", "sandbox-token", stamp),
    }
    return httpx.post(sb.zego_url + "/", params=params, json={})


def test_outage_window_fails_every_provider_then_ends(start: Any) -> None:
    sb = start(speed=0.001)
    assert httpx.post(sb.base_url + "/_sandbox/outage", json={"seconds": 600}).status_code == 200
    assert create(sb).status_code == 503
    assert httpx.get(sb.heygen_url + "/v3/avatars", headers={"X-Api-Key": "sandbox-token"}).status_code == 503
    assert zego_call(sb).status_code == 503
    assert stats(sb)["avatar_videos_created"] == 0 and stats(sb)["outage_refusals"] == 3
    httpx.post(sb.base_url + "/_sandbox/outage", json={"seconds": 0})
    assert create(sb).json()["code"] == 0
    assert zego_call(sb).json()["Code"] == 0
    httpx.post(sb.base_url + "/_sandbox/outage", json={"seconds": 0.2})
    time.sleep(0.3)
    assert create(sb).json()["code"] == 0  # a timed outage ends by itself
    assert httpx.post(sb.base_url + "/_sandbox/outage", json={"seconds": -1}).status_code == 400


def test_configured_outage_window_starts_at_start_up(start: Any) -> None:
    sb = start(outages=((0.0, 3600.0),))
    assert create(sb).status_code == 503


# --- HeyGen concurrent renders ----------------------------------------------------------------------
def test_heygen_caps_renders_in_progress_per_key_with_retry_after(start: Any) -> None:
    sb = start(speed=0.05, spread=(1.0, 1.0), heygen_max_concurrent=1, tokens=("other-key",))
    first = httpx.post(sb.heygen_url + "/v3/videos", json=HEYGEN_VIDEO, headers={"X-Api-Key": "sandbox-token"})
    assert first.status_code == 200
    second = httpx.post(
        sb.heygen_url + "/v3/videos", json=HEYGEN_VIDEO, headers={"X-Api-Key": "sandbox-token", "Idempotency-Key": "k2"}
    )
    assert second.status_code == 429 and second.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(second.headers["Retry-After"]) <= 6  # 0.05 x 120 s = 6 s
    other = httpx.post(sb.heygen_url + "/v3/videos", json=HEYGEN_VIDEO, headers={"X-Api-Key": "other-key"})
    assert other.status_code == 200  # another account has its own cap
    assert stats(sb)["heygen_videos_created"] == 2 and stats(sb)["heygen_concurrency_refusals"] == 1
    # the refused key was released: the same Idempotency-Key may be sent again later
    sb.world.state["heygen"]["videos"][first.json()["data"]["video_id"]]["duration"] = 0.0
    again = httpx.post(
        sb.heygen_url + "/v3/videos", json=HEYGEN_VIDEO, headers={"X-Api-Key": "sandbox-token", "Idempotency-Key": "k2"}
    )
    assert again.status_code == 200


# --- several apps --------------------------------------------------------------------------------------
def test_each_token_is_its_own_app_with_its_own_limits_and_counters(start: Any) -> None:
    sb = start(qps=1, tokens=("token-b",))
    other = {"Access-Token": "token-b"}
    assert create(sb).json()["code"] == 0
    assert create(sb).json()["code"] == 40100  # app1 used its 1 request this second
    assert create(sb, other).json()["code"] == 0  # app2 has its own budget
    assert create(sb, {"Access-Token": "unknown"}).json()["code"] == 40105
    apps = stats(sb)["apps"]
    assert apps["app1"]["requests_total"] == 2 and apps["app1"]["rate_limited_total"] == 1
    assert apps["app2"]["requests_total"] == 1 and apps["app2"]["rate_limited_total"] == 0
    assert apps["app1"]["peak_requests_per_second"] == 2  # requests sent, refused ones included
    assert apps["app2"]["peak_requests_per_second"] == 1
    assert sb.env("token-b")["TIKTOK_ACCESS_TOKEN"] == "token-b"
    assert "token-b" not in json.dumps(stats(sb))  # apps are labelled, never named by their token


def test_config_refuses_impossible_knobs() -> None:
    for knobs in (
        {"speed": 0},
        {"spread": (0.0, 1.0)},
        {"spread": (2.0, 1.0)},
        {"qps": -5},
        {"slow_render_factor": 0.5},
        {"outages": ((3.0, 1.0),)},
        {"heygen_max_concurrent": 0},
    ):
        with pytest.raises(ValueError):
            SandboxConfig(**knobs)


def test_a_test_clock_steps_time_instead_of_waiting() -> None:
    clock = FakeClock(start=time.time())
    with SandboxServer(SandboxConfig(seed=1, spread=(1.0, 1.0)), clock=clock) as sb:
        [task_id] = task_ids(create(sb))
        assert get_tasks(sb, [task_id])[0]["status"] == "SUBMITTED"
        clock.advance(facts.avatar_processing_bound(12))
        assert get_tasks(sb, [task_id])[0]["status"] == "SUCCESS"
        assert stats(sb)["now"] == clock.time()


def test_a_state_saved_on_a_clock_ahead_is_brought_back_to_now(start: Any, tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    clock = FakeClock(start=time.time() + 7200)
    future = SandboxServer(SandboxConfig(speed=0.01, state_file=state_file, seed=1), clock=clock).start()
    try:
        [task_id] = task_ids(create(future))
        clock.advance(60)
        assert get_tasks(future, [task_id])[0]["status"] == "SUCCESS"
    finally:
        future.stop()
    saved = json.loads(state_file.read_text())["tiktok"]["avatar_tasks"][task_id]["created"]
    assert saved > time.time() + 3600  # the saving server's clock ran ahead
    sb = start(state_file=state_file)
    [task] = get_tasks(sb, [task_id])
    assert task["status"] == "SUCCESS" and httpx.get(task["preview_url"], timeout=60).status_code == 200
