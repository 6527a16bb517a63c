"""A paused holder's create that was already past the fence: the runner that took over adopts it, never pays again.

Played without a SIGSTOP: runner A's write-ahead record is committed to PostgreSQL, A's create (with A's tag)
reaches the sandbox before or after runner B's first look-up, and A never records the reply.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from runner.clock import RealClock
from runner.lock.records import JobRecord
from runner.providers.config import settings_from_env
from runner.providers.tiktok import TikTokClient
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer
from runner.state.store import state_store
from runner.vocabulary.states import JobState
from runner.workspace import Workspace
from tests.state.runners import campaign, clones, spec_text, start

LIST = "tiktok /creative/digital_avatar/video/list/"
PAUSED_SECONDS = 60.0  # A wrote ahead this long before B took over: a lease and more


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(speed=0.003, seed=31)) as server:
        yield server


def _wait(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _paused_write_ahead(sandbox: SandboxServer, folder: Path, env: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    """A made 4 videos, then wrote ahead a fifth and was paused with its create on its way: (B's spec, that job)."""
    a, b = clones(folder, 2, spec_text(4))
    done = campaign(env, "apply", str(a), "--yes", "--accept-notices", "--no-report")
    assert done.returncode == 0, done.stderr
    b.write_text(spec_text(8))
    planned = campaign(env, "plan", str(b), "--format", "json")
    job = next(c for c in json.loads(planned.stdout)["changes"] if c["action"] == "create")
    pending = JobRecord(
        job["kind"],
        job["provider"],
        JobState.PENDING,
        tuple(job["addresses"]),
        name=job["name"],
        video_name=job["video_name"],
        attempts=1,
        submitted_at=time.time() - PAUSED_SECONDS,
        request=job["request"],
    )
    with state_store(Workspace(a), environ=env) as store, store.hold("apply"):
        lock = store.read()
        store.write(replace(lock, jobs={**lock.jobs, job["key"]: pending}))
    assert sandbox.stats()["avatar_videos_created"] == 4
    return b, job


def _deliver(sandbox: SandboxServer, job: dict[str, Any]) -> None:
    """A's create, as A's client sends it once resumed: A's tag in the name; its reply is never recorded."""
    client = TikTokClient(settings_from_env(sandbox.env()), clock=RealClock())
    package = {**job["request"], "video_name": job["video_name"], "package_id": job["key"]}
    client.create_avatar_videos([package])


def _adopted(env: dict[str, str], spec: Path, key: str) -> JobRecord:
    with state_store(Workspace(spec), environ=env) as store:
        return store.read().jobs[key]


def test_a_create_that_arrived_before_the_takeover_is_adopted_by_its_tag(
    sandbox: SandboxServer, state_url: str, tmp_path: Path
) -> None:
    env = {**sandbox.env(), "CAMPAIGN_STATE_URL": state_url}
    spec, job = _paused_write_ahead(sandbox, tmp_path, env)
    _deliver(sandbox, job)
    b = campaign(env, "apply", str(spec), "--yes", "--accept-notices", "--no-report")
    assert b.returncode == 0, b.stderr
    assert sandbox.stats()["avatar_videos_created"] == 8  # A's 4, A's late one, B's 3: 0 creates by B for it
    record = _adopted(env, spec, job["key"])
    assert record.state == JobState.SUCCEEDED and record.spend == {"adopted": 1} and record.attempts == 1


def test_a_create_that_arrives_after_the_takeover_s_first_look_is_still_adopted(
    sandbox: SandboxServer, state_url: str, tmp_path: Path
) -> None:
    env = {**sandbox.env(), "CAMPAIGN_STATE_URL": state_url}
    spec, job = _paused_write_ahead(sandbox, tmp_path, env)
    listed = sandbox.stats()["requests"].get(LIST, 0)
    b = start(spec, env)
    try:
        _wait(lambda: sandbox.stats()["requests"].get(LIST, 0) > listed, 120)  # B looked once and found nothing
        _deliver(sandbox, job)  # A resumes: its create, past the fence before the pause, reaches TikTok now
        out, err = b.communicate(timeout=600)
    finally:
        if b.poll() is None:
            b.kill()
            b.communicate(timeout=30)
    assert b.returncode == 0, err[-1500:]
    assert sandbox.stats()["avatar_videos_created"] == 8, err[-1500:]  # not paid twice
    record = _adopted(env, spec, job["key"])
    assert record.state == JobState.SUCCEEDED and record.spend == {"adopted": 1} and record.attempts == 1
