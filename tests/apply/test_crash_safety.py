"""SIGKILL apply at random moments of a 40-video campaign: the lockfile always parses, nothing is paid twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.lock import lockfile
from runner.lock.records import Lockfile

Moment = Callable[[Lockfile], bool]


def records(lock_path: Path) -> Lockfile:
    """The lockfile as it is now (an empty one before the first write)."""
    return lockfile.read(lock_path, "crash")


def kill_at(process: subprocess.Popen[bytes], lock_path: Path, moment: Moment | None, delay: float) -> bool:
    """SIGKILL the apply when `moment` holds for its lockfile (else after `delay` s); False if it had already ended."""
    # A moment comes soon after start-up; start-up itself can take seconds on a loaded machine (parallel tests).
    deadline = time.monotonic() + (60.0 if moment else delay)
    while process.poll() is None and time.monotonic() < deadline:
        if moment is not None and moment(records(lock_path)):  # every read also checks the file parses
            break
        time.sleep(0.003)
    if process.poll() is not None:
        return False
    os.kill(process.pid, signal.SIGKILL)
    return True


def newly(state: str, before: Lockfile) -> Moment:
    """The moment a job reaches `state` in this run (not a leftover of an earlier kill)."""
    return lambda lock: any(r.state == state and before.jobs.get(k) != r for k, r in lock.jobs.items())


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory(speed=0.05, slow_rate=0.5, seed=9)  # a run lasts several seconds: room to kill it
    spec = write_campaign(kit.campaign_text("crash", 4, 10))
    lock_path = spec.with_name("c.lock.yaml")
    env = {**os.environ, **sb.env()}
    rng = random.Random(2026)
    kills = 0
    seen: set[str] = set()
    for attempt in range(12):
        before = records(lock_path)
        # The first kills land right after a write-ahead (before the create's reply) and right after a task id
        # is recorded, whatever the machine's load; the rest at random moments.
        moment = {0: newly("pending", before), 1: newly("submitted", before)}.get(attempt)
        process = subprocess.Popen(
            kit.apply_command(spec), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        kills += kill_at(process, lock_path, moment, rng.uniform(0.3, 1.5))
        process.wait(timeout=30)
        seen.update(r.state for r in records(lock_path).jobs.values())  # parses after every kill
    assert kills >= 10
    assert {"pending", "submitted"} <= seen  # kills landed between write-ahead and reply, and while polling
    final = kit.run(kit.apply_command(spec), sb.env(), timeout=300)
    assert final.returncode == 0, final.stderr
    lock = records(lock_path)
    assert len(lock.jobs) == 40 and all(r.state == "succeeded" for r in lock.jobs.values())
    assert len({r.video_ids[0] for r in lock.jobs.values()}) == 40
    assert sb.stats()["avatar_videos_created"] == 40
