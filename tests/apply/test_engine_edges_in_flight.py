"""Edges 7, 12, 13, 14 and 16 over real HTTP against the sandbox: paid videos kept, replies recorded at once, no create
after Ctrl-C, a provider down ends the run, slow renders adopted."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from runner.lock import lockfile, records
from runner.lock.records import JobError


def lock_of(spec: Path, campaign: str) -> records.Lockfile:
    """The lockfile beside a spec, write-ahead journal replayed."""
    return lockfile.read(spec.with_name(spec.stem + ".lock.yaml"), campaign)


def edit_lock(spec: Path, campaign: str, **by_kind: dict[str, Any]) -> None:
    """Rewrite the records of one kind (as an earlier, interrupted or failed run would have left them)."""
    path = spec.with_name(spec.stem + ".lock.yaml")
    lock = lockfile.read(path, campaign)
    for key, record in lock.jobs.items():
        if record.kind in by_kind:
            lock = lock.with_job(key, replace(record, **by_kind[record.kind]))
    lockfile.write(path, lock)


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str], seconds: float = 120) -> None:
    """Poll a condition while the apply runs; fail if the apply ends or the deadline passes first."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the apply never reached the awaited point"
        time.sleep(0.02)


def start_apply(kit: Any, spec: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`campaign apply` as a subprocess that a test may signal."""
    return subprocess.Popen(
        kit.apply_command(spec), env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_sigkill_right_after_refresh_replies_pays_nothing_twice(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory(speed=0.05, seed=12)
    spec = write_campaign(kit.campaign_text("journal", 1, 4, refresh_from="{avatar: a0}"))
    process = start_apply(kit, spec, sb.env())
    wait_until(lambda: sb.stats()["refresh_tasks_created"] == 4, process)  # paced at 1 QPS: the last
    time.sleep(1)  # replies arrive while the engine waits to poll; the refresh renders are far from ready
    process.kill()
    process.communicate(timeout=30)
    refreshes = [r for r in lock_of(spec, "journal").jobs.values() if r.kind == "refresh_video"]
    assert sum(len(r.task_ids) for r in refreshes) == 4, refreshes  # every answered create journaled on arrival
    resumed = kit.run(kit.apply_command(spec), sb.env(), timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    stats = sb.stats()
    assert stats["refresh_tasks_created"] == 4 and stats["avatar_videos_created"] == 4, stats


def test_ctrl_c_while_a_refresh_create_waits_for_its_slot_sends_no_create(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory(seed=13)
    spec = write_campaign(kit.campaign_text("slot", 1, 7, refresh_from="{avatar: a0}"))
    process = start_apply(kit, spec, sb.env())
    wait_until(lambda: sb.stats()["refresh_tasks_created"] == 5, process)  # the minute's budget: the sixth waits
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert sb.stats()["refresh_tasks_created"] == 5, err  # no create went out after the interrupt
    refreshes = [
        r for r in lockfile.read(spec.with_name("c.lock.yaml"), "slot").jobs.values() if r.kind == "refresh_video"
    ]
    assert sum(len(r.task_ids) for r in refreshes) == 5  # every paid task is recorded
    assert not [r for r in refreshes if r.state == "pending" and not r.task_ids]  # nothing looks half-sent


def test_lost_avatar_creates_with_renders_slower_than_documented_are_adopted(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory(lost_reply_rate=1.0, slow_render_rate=1.0, slow_render_factor=2.5, seed=16)
    spec = write_campaign(kit.campaign_text("slow", 1, 5))
    result = kit.run(kit.apply_command(spec), sb.env(), timeout=240)
    assert result.returncode == 0, result.stderr
    stats = sb.stats()
    assert stats["lost_replies"] >= 1 and stats["slow_renders"] == 5, stats
    assert stats["avatar_videos_created"] == 5, stats  # adopted, never paid twice
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "slow")
    assert len({v for r in lock.jobs.values() for v in r.video_ids}) == 5


def test_a_provider_down_while_tasks_are_in_flight_ends_the_run_and_a_later_apply_finishes(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory(seed=14)
    spec = write_campaign(kit.campaign_text("down", 1, 2))
    assert kit.run(kit.apply_command(spec), sb.env()).returncode == 0
    edit_lock(spec, "down", avatar_video={"state": "submitted", "video_ids": ()})  # a run killed while polling
    sb.world.start_outage(3600)  # every request now answers 503
    down = kit.run(kit.apply_command(spec), {**sb.env(), "CAMPAIGN_TRANSIENT_SECONDS": "5"}, timeout=120)
    assert down.returncode == 1 and "Traceback" not in down.stderr, down.stderr
    assert sb.stats()["outage_refusals"] >= 1
    sb.world.start_outage(0)
    up = kit.run(kit.apply_command(spec), sb.env())
    assert up.returncode == 0, up.stderr
    assert sb.stats()["avatar_videos_created"] == 2  # the tasks were polled again, not paid again


def test_a_retried_refresh_keeps_the_videos_its_earlier_tasks_made(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory(seed=7)
    spec = write_campaign(kit.campaign_text("keep", 1, 1, refresh_from="{avatar: a0}"))
    assert kit.run(kit.apply_command(spec), sb.env()).returncode == 0
    failed = {"state": "failed", "task_ids": (), "video_ids": ("paid-earlier",), "attempts": 1}
    edit_lock(spec, "keep", refresh_video={**failed, "error": JobError("TASK_FAILED", "render error")})
    retried = kit.run(kit.apply_command(spec), sb.env())
    assert retried.returncode == 0, retried.stderr
    refresh = next(r for r in lock_of(spec, "keep").jobs.values() if r.kind == "refresh_video")
    assert refresh.state == "succeeded" and refresh.video_ids[0] == "paid-earlier" and len(refresh.video_ids) == 2
