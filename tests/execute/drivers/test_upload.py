"""Uploads whose replies are lost are sent again after the back-off every create takes, never in a tight loop."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.execute.engine import ExecuteOptions, Providers, execute
from runner.execute.replies import BACKOFF_CAP, backoff
from runner.plan.make import make_plan
from runner.providers.errors import OutcomeUnknown
from tests.execute.test_engine import FakeTikTok
from tests.fake_clock import FakeClock

SPEC = """version: 1
campaign: fake
refresh:
  - id: r
    source: {url: "https://cdn.example.com/ads/serum.mp4"}
    strategies: [SWAP_MUSIC]
"""


class LosingTikTok(FakeTikTok):
    """Every upload's reply is lost; the fake clock's time of each is kept."""

    def __init__(self, lock_path: Path, clock: FakeClock) -> None:
        super().__init__(lock_path)
        self.clock = clock
        self.sent_at: list[float] = []

    def upload_video_by_url(self, url: str) -> str:
        self.sent_at.append(self.clock.monotonic())
        raise OutcomeUnknown("tiktok", "/file/video/ad/upload/", "NO_REPLY", "the reply was lost")


def test_lost_upload_replies_back_off_as_creates_do(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC)
    planned = make_plan(spec)
    clock = FakeClock()
    fake = LosingTikTok(planned.lock_path, clock)
    with pytest.raises(Exception, match="transient"):  # the run's transient budget ends it, with one message
        execute(
            planned.plan,
            planned.lock,
            planned.lock_path,
            Providers({"tiktok": fake}),
            ExecuteOptions(parallelism=1),
            clock=clock,
        )
    gaps = [later - earlier for earlier, later in zip(fake.sent_at, fake.sent_at[1:], strict=False)]
    assert gaps and all(gap >= backoff(n) for n, gap in enumerate(gaps, start=1)), gaps
    assert max(gaps) <= BACKOFF_CAP + 1.0  # capped as documented: 0.5 s doubling, at most 30 s
    assert len(fake.sent_at) < 20  # the 300 s budget ends it after a dozen sends, not 50 in a burst
