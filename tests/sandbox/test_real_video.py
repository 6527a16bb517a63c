"""The sandbox's videos are real, playable H.264 MP4s that show the avatar, the script and a refresh's hook."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from runner.media.probe import ffmpeg_exe, probe_video
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer
from runner.sandbox.video import VideoSpec, render, spoken_seconds

AVATAR = "7295705233773068290"  # "Isabelle in light green top"
H = {"Access-Token": "sandbox-token"}
SCRIPT = (
    "Warm feet all winter long. Our trail boot keeps the snow out and the heat in, from the first step to the last."
)


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    config = SandboxConfig(speed=0.0005, spread=(1.0, 1.0), seed=2, video_cache=tmp_path_factory.mktemp("videos"))
    with SandboxServer(config) as server:
        yield server


def ffmpeg_info(path: Path) -> str:
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, text=True, check=False
    ).stderr


def first_frame(path: Path, out: Path) -> Image.Image:
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-i", str(path), "-frames:v", "1", "-y", str(out)], check=True)
    return Image.open(out).convert("RGB")


def finished(sb: SandboxServer, path: str, task_id: str, **extra: str) -> dict[str, Any]:
    for _ in range(200):
        reply = httpx.get(sb.tiktok_url + path, params={"task_ids": json.dumps([task_id]), **extra}, headers=H).json()
        task: dict[str, Any] = reply["data"]["list"][0]
        if task["status"] == "SUCCESS":
            return task
        time.sleep(0.02)
    raise AssertionError("task never finished")


def download(url: str, to: Path) -> Path:
    reply = httpx.get(url, timeout=60)  # the sandbox renders the video on its first download
    assert reply.status_code == 200 and reply.headers["content-type"] == "video/mp4"
    to.write_bytes(reply.content)
    return to


def test_avatar_video_is_h264_9_16_as_long_as_its_script(sb: SandboxServer, tmp_path: Path) -> None:
    body = {"material_packages": [{"avatar_id": AVATAR, "script": SCRIPT}]}
    task_id = httpx.post(sb.tiktok_url + "/creative/digital_avatar/video/task/create/", json=body, headers=H).json()[
        "data"
    ]["list"][0]["task_id"]
    video = download(
        finished(sb, "/creative/digital_avatar/video/task/get/", task_id)["preview_url"], tmp_path / "a.mp4"
    )
    probe = probe_video(video)
    assert (probe.width, probe.height, probe.video_streams) == (360, 640, 1)
    assert probe.duration_seconds == pytest.approx(spoken_seconds(SCRIPT), abs=0.3)
    assert 7 <= probe.duration_seconds <= 12  # 21 words at a speaking pace
    assert "Video: h264" in ffmpeg_info(video)
    # the refresh path accepts it by URL, and the refresh output carries its hook and theme as a red banner
    upload = httpx.post(
        sb.tiktok_url + "/file/video/ad/upload/",
        headers=H,
        json={
            "upload_type": "UPLOAD_BY_URL",
            "use_scenario": "AIGC",
            "video_url": finished(sb, "/creative/digital_avatar/video/task/get/", task_id)["preview_url"],
        },
    ).json()
    assert upload["code"] == 0, upload
    refresh = httpx.post(
        sb.tiktok_url + "/creative/aigc/refresh_video/task/create/",
        headers=H,
        json={
            "video_id": upload["data"]["video_id"],
            "video_refresh_strategy_list": ["ADD_HOOK"],
            "add_hook": {"hook_type": "HOLIDAY", "product_category": "GAMES", "holiday_theme": "HALLOWEEN"},
        },
    ).json()
    assert refresh["code"] == 0, refresh
    [refresh_id] = refresh["data"]["task_ids"]
    done = finished(sb, "/creative/aigc/video/task/list/", refresh_id, aigc_video_type="REFRESH_VIDEO")
    spec = sb.tiktok_account.video_spec(done["video_id"])
    assert spec is not None and spec.marks == ("HOOK: HOLIDAY", "THEME: HALLOWEEN")
    assert spec.title == "Isabelle in light green top" and spec.script == SCRIPT
    refreshed = download(done["preview_url"], tmp_path / "r.mp4")
    red, green, blue = first_frame(refreshed, tmp_path / "r.png").getpixel((180, 22))
    assert red > 180 and green < 120 and blue < 120
    r, g, b = first_frame(video, tmp_path / "a.png").getpixel((180, 22))
    assert not (r > 180 and g < 120)  # the source has no banner


def test_heygen_video_follows_its_aspect_ratio(sb: SandboxServer, tmp_path: Path) -> None:
    body = {
        "type": "avatar",
        "avatar_id": "look_0001_1",
        "script": "Hello from the sandbox.",
        "voice_id": "voice_0001",
        "aspect_ratio": "16:9",
    }
    key = {"X-Api-Key": "sandbox-token"}
    video_id = httpx.post(sb.heygen_url + "/v3/videos", json=body, headers=key).json()["data"]["video_id"]
    for _ in range(200):
        view = httpx.get(f"{sb.heygen_url}/v3/videos/{video_id}", headers=key).json()["data"]
        if view["status"] == "completed":
            break
        time.sleep(0.02)
    probe = probe_video(download(view["video_url"], tmp_path / "h.mp4"))
    assert (probe.width, probe.height) == (640, 360)
    assert probe.duration_seconds == pytest.approx(view["duration"], abs=0.3) and view["duration"] >= 2.0


def test_assets_are_real_videos_and_renders_are_cached(sb: SandboxServer, tmp_path: Path) -> None:
    probe = probe_video(download(sb.asset_url("source.mp4"), tmp_path / "s.mp4"))
    assert probe.video_streams == 1 and 2.0 <= probe.duration_seconds <= 180.0
    spec = VideoSpec(title="Cache check", script="One two three.")
    first = render(spec, tmp_path / "cache")
    stamp = first.stat().st_mtime_ns
    assert render(spec, tmp_path / "cache") == first and first.stat().st_mtime_ns == stamp
    assert render(VideoSpec(title="Cache check", script="One two four."), tmp_path / "cache") != first


def test_spoken_length_is_bounded_for_refresh_inputs() -> None:
    assert spoken_seconds("Hi.") == 2.0
    assert spoken_seconds("word " * 2000) == 180.0
    assert spoken_seconds("暖かい足で冬を過ごそう。" * 5) > spoken_seconds("Warm feet.")


def test_without_system_fonts_pillow_draws_with_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.sandbox import fonts

    monkeypatch.setattr(fonts, "BASE_FILES", (str(tmp_path / "missing.ttf"),))
    fonts.file_for.cache_clear()
    try:
        probe = probe_video(render(VideoSpec(title="No fonts here", script="Still a video."), tmp_path))
    finally:
        fonts.file_for.cache_clear()
    assert probe.video_streams == 1 and probe.duration_seconds == pytest.approx(2.0, abs=0.3)
