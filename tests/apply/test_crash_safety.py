"""SIGKILL apply at random moments of a 40-video campaign: the lockfile always parses, nothing is paid twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from typing import Any

import pytest

from runner.lock import lockfile


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory(time_scale=0.1, slow_rate=0.5, seed=9)  # a run lasts several seconds: room to kill it
    spec = write_campaign(kit.campaign_text("crash", 4, 10))
    lock_path = spec.with_name("c.lock.yaml")
    env = {**os.environ, **sb.env()}
    rng = random.Random(2026)
    kills = 0
    seen: set[str] = set()
    for _ in range(12):
        process = subprocess.Popen(kit.apply_command(spec), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.5))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait(timeout=30)
        if lock_path.exists():
            states = [r.state for r in lockfile.read(lock_path, "crash").jobs.values()]  # parses after every kill
            seen.update(states)
    assert kills >= 10
    assert {"pending", "submitted"} <= seen  # kills landed between write-ahead and reply, and while polling
    final = kit.run(kit.apply_command(spec), sb.env(), timeout=300)
    assert final.returncode == 0, final.stderr
    lock = lockfile.read(lock_path, "crash")
    assert len(lock.jobs) == 40 and all(r.state == "succeeded" for r in lock.jobs.values())
    assert len({r.video_ids[0] for r in lock.jobs.values()}) == 40
    assert sb.stats()["avatar_videos_created"] == 40
