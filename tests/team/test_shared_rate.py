"""One rate budget in a real Redis: runners of one app share it, different apps do not, refusals pause everyone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runner.providers.shared_rate import SharedRate, SharedRateError, shared_rate_from_env
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

AVATARS = ["7295705233773068290", "7301881390801354754", "7301881390801371138", "7295759871838797825"]


def test_two_runners_of_one_app_share_one_window_and_other_apps_do_not(redis_url: str) -> None:
    first = SharedRate(redis_url, {"tiktok": "token-a"}).limiter("tiktok h:1 refresh-create per minute", 5, 60.0)
    second = SharedRate(redis_url, {"tiktok": "token-a"}).limiter("tiktok h:1 refresh-create per minute", 5, 60.0)
    other_app = SharedRate(redis_url, {"tiktok": "token-b"}).limiter("tiktok h:1 refresh-create per minute", 5, 60.0)
    for limiter in (first, second, first, second, first):
        limiter.complete(limiter.acquire())
    assert first.ready_in() > 50 and second.ready_in() > 50  # the minute's five are taken, by both together
    assert other_app.ready_in() == 0.0
    assert "token-a" not in first.key and "token-a" not in first.pause_key


def test_a_refusal_pauses_every_runner_of_the_app(redis_url: str) -> None:
    one = SharedRate(redis_url, {"heygen": "k"}).limiter("heygen h:2 app", 10, 1.0)
    two = SharedRate(redis_url, {"heygen": "k"}).limiter("heygen h:2 app", 10, 1.0)
    assert two.ready_in() == 0.0
    one.penalise(30.0)
    assert two.ready_in() > 25


def test_an_unreachable_redis_refuses_to_start_and_hides_the_password() -> None:
    with pytest.raises(SharedRateError) as refused:
        shared_rate_from_env({"CAMPAIGN_RATE_URL": "redis://:hunter22secret@127.0.0.1:9/0"})
    assert "hunter22secret" not in str(refused.value) and "***" in str(refused.value)
    with pytest.raises(SharedRateError, match="redis://"):
        shared_rate_from_env({"CAMPAIGN_RATE_URL": "http://example.com"})


def _start(spec: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "runner", "apply", str(spec), "--yes", "--accept-notices", "--no-report"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _all_succeed(runs: list[subprocess.Popen[str]]) -> None:
    for run in runs:
        out, err = run.communicate(timeout=400)
        assert run.returncode == 0, out[-400:] + err[-1200:]


def _campaign_text(name: str, scripts: int, refresh: bool) -> str:
    # No downloads: they are no API calls (nothing the shared budget sees), and each makes the sandbox render a
    # video, one at a time; dozens queued would make a refresh source's fetch outlast its 10 s limit on a busy machine.
    lines = ["version: 1", f"campaign: {name}", "apply: {download: false}", "avatars:"]
    lines += [f'  a{i}: {{id: "{a}"}}' for i, a in enumerate(AVATARS)]
    lines.append("scripts:")
    lines += [f'  s{i}: {{text: "{name} script {i} for {{{{ avatar }}}}."}}' for i in range(scripts)]
    lines += [
        "videos:",
        "  - id: promo",
        "    avatars: [a0, a1, a2, a3]",
        f"    scripts: [{', '.join(f's{i}' for i in range(scripts))}]",
    ]
    if refresh:
        lines += [
            "refresh:",
            "  - id: music",
            "    source: {from: promo, where: {avatar: a0}}",
            "    strategies: [SWAP_MUSIC]",
        ]
    return "\n".join(lines) + "\n"


def test_four_campaigns_of_one_app_draw_no_refusal(redis_url: str, tmp_path: Path) -> None:
    with SandboxServer(SandboxConfig(speed=0.002, seed=31)) as sandbox:
        env = {**os.environ, **sandbox.env(), "CAMPAIGN_RATE_URL": redis_url}
        runs = []
        for i in range(4):
            spec = tmp_path / f"c{i}" / f"c{i}.yaml"
            spec.parent.mkdir()
            spec.write_text(_campaign_text(f"c{i}", 6 if i >= 2 else 2, refresh=i < 2))
            runs.append(_start(spec, env))
        _all_succeed(runs)
        stats: Any = sandbox.stats()
    app = stats["apps"][next(iter(stats["apps"]))]
    assert stats["rate_limited_total"] == 0, stats["rate_limited"]
    assert app["peak_requests_per_second"] <= 10, app
    assert app.get("peak_refresh_creates_per_minute", 0) <= 5, app
    assert stats["avatar_videos_created"] == 2 * 24 + 2 * 8 and stats["refresh_tasks_created"] == 4


def test_redis_gone_mid_run_stops_creating(own_redis: Any, tmp_path: Path) -> None:
    with own_redis() as (url, server), SandboxServer(SandboxConfig(speed=0.5, slow_rate=1.0, seed=32)) as sandbox:
        spec = tmp_path / "gone.yaml"
        spec.write_text(_campaign_text("gone", 10, refresh=False))
        run = subprocess.Popen(
            [sys.executable, "-m", "runner", "apply", str(spec), "--yes", "--accept-notices", "--parallelism", "1"],
            env={**os.environ, **sandbox.env(), "CAMPAIGN_RATE_URL": url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while sandbox.stats()["avatar_videos_created"] < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()
        out, err = run.communicate(timeout=120)
        assert run.returncode == 1, out[-300:] + err[-800:]
        assert "shared rate budget" in err and "Traceback" not in err
        assert sandbox.stats()["avatar_videos_created"] < 40  # it stopped creating


def _heygen_campaign(name: str, videos: int) -> str:
    scripts = "\n".join(f'  s{i}: {{text: "{name} line {i}."}}' for i in range(videos))
    return (
        f"version: 1\ncampaign: {name}\nprovider: heygen\napply: {{max_in_flight: {{heygen: 2}}}}\n"
        f'avatars:\n  m: {{id: "look_0001_1"}}\nscripts:\n{scripts}\n'
        f"videos:\n  - id: v\n    avatars: [m]\n    scripts: [{', '.join(f's{i}' for i in range(videos))}]\n"
        "    voice: en-US-1\n"
    )


def test_two_runners_on_one_heygen_account_keep_to_its_render_cap(redis_url: str, tmp_path: Path) -> None:
    with SandboxServer(SandboxConfig(speed=0.01, spread=(1.0, 1.0), heygen_max_concurrent=2, seed=33)) as sandbox:
        env = {**os.environ, **sandbox.env(), "CAMPAIGN_RATE_URL": redis_url}
        runs = []
        for name in ("ha", "hb"):
            spec = tmp_path / name / f"{name}.yaml"
            spec.parent.mkdir()
            spec.write_text(_heygen_campaign(name, 4))
            runs.append(_start(spec, env))
        _all_succeed(runs)
        stats = sandbox.stats()
    assert stats["heygen_videos_created"] == 8
    assert stats["heygen_concurrency_refusals"] == 0  # two runners x cap 2 never had 3 renders at once
