"""The sandbox beyond single endpoints: refresh of its own media, stats, slowness, restarts, `campaign sandbox`."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner.sandbox.server import SandboxServer

AVATAR = "7295705233773068290"
H = {"Access-Token": "sandbox-token"}
TASK_GET = "/creative/digital_avatar/video/task/get/"


@pytest.fixture
def sandbox(sandbox_factory: Any) -> SandboxServer:
    """A sandbox on a 500x clock: avatar videos finish within 0.2 s."""
    server: SandboxServer = sandbox_factory(speed=0.002)
    return server


def call(sb: SandboxServer, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
    q = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in params.items()}
    reply = httpx.request(method, sb.tiktok_url + path, params=q, json=body, headers=H, timeout=10)
    assert reply.status_code == 200
    out: dict[str, Any] = reply.json()
    return out


def finished_avatar_video(sb: SandboxServer, name: str = "clip") -> dict[str, Any]:
    created = call(
        sb,
        "POST",
        "/creative/digital_avatar/video/task/create/",
        {"material_packages": [{"avatar_id": AVATAR, "script": "Hello.", "video_name": name}]},
    )
    task_id = created["data"]["list"][0]["task_id"]
    deadline = time.monotonic() + 60  # the sandbox's speed sets the wait; the deadline only stops a hang
    while time.monotonic() < deadline:
        task: dict[str, Any] = call(sb, "GET", TASK_GET, task_ids=[task_id])["data"]["list"][0]
        if task["status"] == "SUCCESS":
            return task
        time.sleep(0.3)  # well under the app's 10 QPS, leaving room for the calls that follow
    raise AssertionError("the avatar video never finished")


def test_a_produced_video_can_be_uploaded_and_refreshed(sandbox: SandboxServer) -> None:
    video = finished_avatar_video(sandbox)
    uploaded = call(
        sandbox,
        "POST",
        "/file/video/ad/upload/",
        {"upload_type": "UPLOAD_BY_URL", "use_scenario": "AIGC", "video_url": video["preview_url"]},
    )
    assert uploaded["code"] == 0, uploaded
    refreshed = call(
        sandbox,
        "POST",
        "/creative/aigc/refresh_video/task/create/",
        {
            "video_id": uploaded["data"]["video_id"],
            "video_refresh_strategy_list": ["ADD_HOOK"],
            "add_hook": {"hook_type": "HOLIDAY", "product_category": "GAMES", "holiday_theme": "HALLOWEEN"},
        },
    )
    assert refreshed["code"] == 0 and len(refreshed["data"]["task_ids"]) == 1
    stats = sandbox.stats()
    assert (stats["uploads"], stats["refresh_tasks_created"], stats["refresh_videos_created"]) == (1, 1, 1)
    assert stats["media_downloads"] == 1


def test_media_is_unique_per_video_with_content_md5(sandbox: SandboxServer) -> None:
    first, second = finished_avatar_video(sandbox, "a"), finished_avatar_video(sandbox, "b")
    one, two = httpx.get(first["preview_url"], timeout=60), httpx.get(second["preview_url"], timeout=60)  # renders
    assert one.content != two.content and 5_000 <= len(one.content) <= 200_000
    assert one.headers["content-md5"] == base64.b64encode(hashlib.md5(one.content).digest()).decode()


def test_each_task_get_returns_a_fresh_preview_url(sandbox: SandboxServer) -> None:
    task = finished_avatar_video(sandbox)
    time.sleep(1.05)  # expiry stamps are whole seconds: the next one is a new URL
    again = call(sandbox, "GET", TASK_GET, task_ids=[task["task_id"]])["data"]["list"][0]
    assert (
        again["preview_url"] != task["preview_url"] and httpx.get(again["preview_url"], timeout=60).status_code == 200
    )


def test_failed_refresh_tasks_make_no_video(sandbox_factory: Any) -> None:
    sb = sandbox_factory(task_failure_rate=1.0, speed=0.002)
    stock = call(
        sb,
        "POST",
        "/file/video/ad/upload/",
        {"upload_type": "UPLOAD_BY_URL", "use_scenario": "AIGC", "video_url": sb.asset_url()},
    )["data"]["video_id"]
    body = {
        "video_id": stock,
        "video_refresh_strategy_list": ["ADD_HOOK"],
        "add_hook": {"hook_type": "RECOMMENDED", "product_category": "TRAVEL"},
    }
    assert len(call(sb, "POST", "/creative/aigc/refresh_video/task/create/", body)["data"]["task_ids"]) == 4
    assert (sb.stats()["refresh_tasks_created"], sb.stats()["refresh_videos_created"]) == (4, 0)


def test_unknown_task_ids_are_left_out(sandbox: SandboxServer) -> None:
    task = finished_avatar_video(sandbox)
    listed = call(sandbox, "GET", TASK_GET, task_ids=["123", task["task_id"]])["data"]["list"]
    assert [t["task_id"] for t in listed] == [task["task_id"]]


def test_slow_replies_are_delayed_and_counted(sandbox_factory: Any) -> None:
    sb = sandbox_factory(slow_rate=1.0)  # 2-5 virtual s = 20-50 ms on the default 100x clock
    started = time.monotonic()
    assert call(sb, "GET", "/creative/digital_avatar/get/")["code"] == 0
    assert time.monotonic() - started >= 0.02 and sb.stats()["slow_replies"] == 1


def test_lost_upload_reply_still_uploads(sandbox_factory: Any) -> None:
    sb = sandbox_factory(lost_reply_rate=1.0)
    with pytest.raises(httpx.TransportError):
        httpx.post(
            sb.tiktok_url + "/file/video/ad/upload/",
            headers=H,
            timeout=10,
            json={"upload_type": "UPLOAD_BY_URL", "use_scenario": "AIGC", "video_url": sb.asset_url()},
        )
    assert sb.stats()["uploads"] == 1 and sb.stats()["lost_replies"] == 1


def test_task_timing_continues_across_a_restart(sandbox_factory: Any, tmp_path: Path) -> None:
    state = tmp_path / "world.json"
    first = sandbox_factory(state_file=state, speed=0.002)
    created = call(
        first,
        "POST",
        "/creative/digital_avatar/video/task/create/",
        {"material_packages": [{"avatar_id": AVATAR, "script": "Hi.", "video_name": "kept"}]},
    )
    task_id = created["data"]["list"][0]["task_id"]
    first.stop()
    second = sandbox_factory(state_file=state, speed=0.002)
    for _ in range(500):
        task = call(second, "GET", TASK_GET, task_ids=[task_id])["data"]["list"][0]
        if task["status"] == "SUCCESS":
            break
        time.sleep(0.005)
    listed = call(second, "GET", "/creative/digital_avatar/video/list/")["data"]["list"]
    assert [v["video_name"] for v in listed] == ["kept"] and listed[0]["avatar_video_id"] == task["avatar_video_id"]


def _default_sigint() -> None:
    # A runner started in the background inherits SIGINT ignored; Ctrl-C must still reach the child.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_campaign_sandbox_prints_urls_and_credentials_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner", "sandbox", "--port", "0", "--token", "t0k", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        preexec_fn=_default_sigint,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not any("ZEGO_SERVER_SECRET" in line for line in lines):
            line = proc.stdout.readline()
            assert line, "campaign sandbox exited early"
            lines.append(line)
        exported = dict(
            line.strip()[len("export ") :].split("=", 1) for line in lines if line.strip().startswith("export ")
        )
        assert exported["TIKTOK_ACCESS_TOKEN"] == exported["HEYGEN_API_KEY"] == exported["ZEGO_SERVER_SECRET"] == "t0k"
        assert exported["ZEGO_APP_ID"] == "1000001"
        reply = httpx.get(
            exported["TIKTOK_API_BASE_URL"] + "/creative/digital_avatar/get/", headers={"Access-Token": "t0k"}
        )
        assert reply.json()["code"] == 0
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "Traceback" not in err and "sandbox stopped" in out
