"""Over real HTTP against the sandbox: polls and downloads go out while creates still wait for their rate."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from runner.clock import RealClock
from runner.execute.engine import ExecuteOptions, Providers, execute
from runner.execute.scheduler import Scheduler
from runner.plan.make import make_plan
from runner.providers.config import settings_from_env
from runner.providers.tiktok import TikTokClient
from runner.sandbox import media
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer
from runner.sandbox.video import VideoSpec, render
from tests.apply.conftest import campaign_text


class TimedClient(TikTokClient):
    """Notes when each create's and each poll's reply arrived."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creates: list[float] = []
        self.polls: list[float] = []

    def create_avatar_videos(self, packages: Any) -> Any:
        created = super().create_avatar_videos(packages)
        self.creates.append(time.monotonic())
        return created

    def get_avatar_tasks(self, task_ids: Any) -> Any:
        tasks = super().get_avatar_tasks(task_ids)
        self.polls.append(time.monotonic())
        return tasks


def test_polls_and_downloads_go_out_while_creates_wait_and_the_engine_never_spins(
    tmp_path: Path, monkeypatch: Any
) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(campaign_text("busy", avatars=4, scripts=50))  # 200 videos: 40 creates, 4 s at 10 QPS at least
    planned = make_plan(spec)
    wakes = 0
    drain = Scheduler.drain

    def counted(self: Scheduler, block_for: float) -> int:
        nonlocal wakes
        handled = drain(self, block_for)
        wakes += block_for > 0 and not handled  # woke with nothing to do
        return handled

    monkeypatch.setattr(Scheduler, "drain", counted)
    # one encoded file per avatar: the sandbox's encoder (one video at a time) is not what is measured
    monkeypatch.setattr(
        media, "render", lambda spec, cache: render(VideoSpec(spec.title, "One.", seed=spec.seed), cache)
    )
    with SandboxServer(SandboxConfig(speed=0.01, seed=3)) as sandbox:
        client = TimedClient(settings_from_env(sandbox.env()), clock=RealClock())
        start = time.monotonic()
        result = execute(
            planned.plan,
            planned.lock,
            planned.lock_path,
            Providers({"tiktok": client}),
            ExecuteOptions(artifacts_dir=tmp_path / "videos"),
            clock=RealClock(),
        )
        elapsed = time.monotonic() - start
        refused = sandbox.stats()["rate_limited_total"]
        client.close()
    assert len(result.succeeded) == 200 and not result.undownloaded and refused == 0
    assert len(client.creates) == 40
    last_create = max(client.creates)
    # Polls of finished tasks share the rate with the creates still waiting (0 here when they wait behind all of
    # them); counted up to the last create, not an earlier one, so that a slow machine does not decide it.
    polled_early = [t for t in client.polls if t < last_create]
    assert len(polled_early) >= 10, "polls of finished tasks wait behind every create"
    first_download = min(p.stat().st_mtime for p in (tmp_path / "videos").glob("*.mp4"))
    assert first_download < time.time() - (time.monotonic() - last_create), "downloads wait behind every create"
    assert wakes / elapsed < 40, f"the engine woke {wakes / elapsed:.0f} times a second for nothing"
