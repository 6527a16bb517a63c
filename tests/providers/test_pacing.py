"""Pacing survives a restart: limiters' recent slots are saved in the state folder and restored at start."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from runner.providers.config import ProviderSettings, settings_from_env
from runner.providers.factory import ProviderFactory
from runner.providers.pacing import PACING_FILE, Pacing, PacingFile
from tests.fake_clock import FakeClock


def test_a_resumed_run_draws_no_refusal_from_the_refresh_create_minute(sandbox_factory: Any, tmp_path: Path) -> None:
    clock = FakeClock(start=time.time())  # shared by server and client: the minute window passes when waited on
    sandbox = sandbox_factory(clock=clock)
    settings = settings_from_env(sandbox.env())
    first = ProviderFactory(settings, clock, state_dir=tmp_path)
    tiktok = first.tiktok()
    stock = tiktok.upload_video_by_url(sandbox.asset_url())
    for _ in range(5):  # the whole per-minute budget of refresh creates
        tiktok.create_refresh_task(stock, ["SWAP_MUSIC"], None)
    # The process dies here: no close(), so only what was saved as replies arrived survives.
    saved = json.loads((tmp_path / PACING_FILE).read_text())["limiters"]
    assert [len(v) for k, v in saved.items() if k.endswith("refresh-create per minute")] == [5]
    resumed = ProviderFactory(settings, clock, state_dir=tmp_path)
    for _ in range(3):
        resumed.tiktok().create_refresh_task(stock, ["SWAP_MUSIC"], None)
    stats = sandbox.stats()
    assert stats["refresh_tasks_created"] == 8
    assert stats["rate_limited_total"] == 0, stats["rate_limited"]
    resumed.close()


def test_saved_slots_are_reply_times_by_limiter_and_hold_no_secret(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = ProviderSettings(
        {"TIKTOK_API_BASE_URL": "https://api.test/open_api/v1.3", "TIKTOK_ACCESS_TOKEN": "tok-SECRET-7"}
    )
    with ProviderFactory(settings, clock, state_dir=tmp_path) as factory:
        limiter = factory.pacing.limiter("tiktok api.test:443 app", 10, 1.0)
        for _ in range(3):
            limiter.complete(limiter.acquire())
        factory.tiktok()
    text = (tmp_path / PACING_FILE).read_text()
    saved = json.loads(text)["limiters"]
    assert saved == {"tiktok api.test:443 app": [clock.time()] * 3}
    assert "SECRET" not in text


def test_restored_slots_outside_their_window_are_forgotten(tmp_path: Path) -> None:
    clock = FakeClock()
    store = PacingFile(tmp_path)
    store.save({"a": [clock.time() - 0.5] * 10, "b": [clock.time() - 5.0] * 10})
    pacing = Pacing(clock, store)
    assert pacing.limiter("a", 10, 1.0).ready_in() > 0.4
    assert pacing.limiter("b", 10, 1.0).ready_in() == 0.0


def test_a_missing_corrupt_or_unwritable_pacing_file_only_loses_the_hint(tmp_path: Path) -> None:
    assert PacingFile(tmp_path / "none").load() == {}
    (tmp_path / PACING_FILE).write_bytes(b"\xff\x00 not json")
    assert PacingFile(tmp_path).load() == {}
    (tmp_path / PACING_FILE).write_text('{"limiters": {"a": ["x"]}}')
    assert PacingFile(tmp_path).load() == {}
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    PacingFile(blocked).save({"a": [1.0]})  # no exception: a read-only or odd state folder does not stop a run
