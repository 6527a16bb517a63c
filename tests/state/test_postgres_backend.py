"""The PostgreSQL state backend against a real cluster and a live sandbox: one campaign, many runners, never paid twice."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runner.lock import lockfile
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer
from tests.state.runners import campaign as _campaign
from tests.state.runners import clones as _clones
from tests.state.runners import spec_text as _spec
from tests.state.runners import start as _start


@pytest.fixture
def sandbox() -> Any:
    with SandboxServer(SandboxConfig(speed=0.003, seed=21)) as server:
        yield server


def test_four_runners_of_one_campaign_create_each_video_once(sandbox: Any, state_url: str, tmp_path: Path) -> None:
    specs = _clones(tmp_path, 4, _spec(8))
    env = {**sandbox.env(), "CAMPAIGN_STATE_URL": state_url}
    runs = [_start(spec, env, "--lock-timeout", "3m") for spec in specs]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, out[-500:] + err[-1500:]
    assert sandbox.stats()["avatar_videos_created"] == 8  # exactly N: 0 paid duplicates
    pulled = []
    for spec in specs:
        result = _campaign(env, "state", "pull", str(spec))
        assert result.returncode == 0, result.stderr
        pulled.append(lockfile.read(spec.with_name("team.lock.yaml"), "team"))
    assert all(lock.jobs == pulled[0].jobs for lock in pulled) and len(pulled[0].jobs) == 8
    assert all(r.state == "succeeded" for r in pulled[0].jobs.values())
    listed = _campaign(env, "lock", "list")
    assert listed.returncode == 0 and "No locks." in listed.stdout


def test_sigkilled_holders_are_taken_over_after_their_lease_and_nothing_is_paid_twice(
    state_url: str, tmp_path: Path
) -> None:
    rng = random.Random(7)
    with SandboxServer(
        SandboxConfig(speed=0.3, spread=(0.5, 0.5), seed=22)
    ) as sandbox:  # 15 s renders: kills land mid-work
        specs = _clones(tmp_path, 4, _spec(16))
        env = {**sandbox.env(), "CAMPAIGN_STATE_URL": state_url, "CAMPAIGN_LOCK_LEASE": "2s"}
        kills = 0
        while kills < 10:
            run = _start(specs[kills % 4], env, "--lock-timeout", "1m")
            time.sleep(rng.uniform(0.5, 1.5))  # somewhere in start-up, waiting for the lease, creating or polling
            if run.poll() is not None:
                break  # it finished before the kill: the campaign is done
            run.send_signal(signal.SIGKILL)
            run.communicate(timeout=30)
            kills += 1
        assert kills == 10, kills  # the holder really was killed, and taken over, ten times
        final = _start(specs[0], env, "--lock-timeout", "1m")
        # A kill between a create's write-ahead and its reply leaves a create that may exist: before enough
        # renders were seen, it is looked for until 3x the documented bound (300 s) before it is made again.
        out, err = final.communicate(timeout=600)
        assert final.returncode == 0, out[-500:] + err[-1500:]
        assert sandbox.stats()["avatar_videos_created"] == 16, sandbox.stats()  # 0 duplicates across the kills
        assert _campaign(env, "state", "pull", str(specs[1])).returncode == 0
        lock = lockfile.read(specs[1].with_name("team.lock.yaml"), "team")
        assert len(lock.jobs) == 16 and all(r.state == "succeeded" for r in lock.jobs.values())


def test_an_unreachable_backend_stops_before_anything_and_hides_the_password(sandbox: Any, tmp_path: Path) -> None:
    spec = _clones(tmp_path, 1, _spec(4))[0]
    url = "postgresql://app:pa55word-secret@127.0.0.1:9/campaigns"
    result = _campaign({**sandbox.env(), "CAMPAIGN_STATE_URL": url}, "apply", str(spec), "--yes")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "postgresql://app:***@127.0.0.1:9/campaigns" in result.stderr
    assert "pa55word-secret" not in result.stdout + result.stderr
    assert sandbox.stats()["requests_total"] == 0
    assert not spec.with_name("team.lock.yaml").exists()


def test_push_refuses_older_state_and_pull_writes_the_checkout(sandbox: Any, state_url: str, tmp_path: Path) -> None:
    first, second = _clones(tmp_path, 2, _spec(4))
    env = {**sandbox.env(), "CAMPAIGN_STATE_URL": state_url}
    plain = {k: v for k, v in env.items() if k != "CAMPAIGN_STATE_URL"}
    apply = ("--yes", "--accept-notices", "--no-report")
    assert _campaign(plain, "apply", str(first), *apply).returncode == 0  # lockfile only, as before the backend
    pushed = _campaign(env, "state", "push", str(first))
    assert pushed.returncode == 0, pushed.stderr
    shutil.copy(first.with_name("team.lock.yaml"), second.with_name("team.lock.yaml"))  # a clone's older copy
    first.write_text(_spec(8))
    assert _campaign(env, "apply", str(first), *apply).returncode == 0  # the backend moves on
    older = _campaign(env, "state", "push", str(second))
    assert older.returncode == 1 and "newer" in older.stderr, older.stderr
    first.with_name("team.lock.yaml").unlink()
    pulled = _campaign(env, "state", "pull", str(first))
    assert pulled.returncode == 0 and len(lockfile.read(first.with_name("team.lock.yaml"), "team").jobs) == 8
    assert sandbox.stats()["avatar_videos_created"] == 8


def test_postgres_gone_mid_apply_stops_creating_and_keeps_what_is_known(tmp_path: Path, own_cluster: Any) -> None:
    # Slow replies and one request at a time: the database goes away between two creates.
    with (
        own_cluster() as (url, stop, _restart),
        SandboxServer(SandboxConfig(speed=0.5, slow_rate=1.0, seed=23)) as sandbox,
    ):
        spec = _clones(tmp_path, 1, _spec(40))[0]
        env = {**sandbox.env(), "CAMPAIGN_STATE_URL": url}
        run = _start(spec, env, "--parallelism", "1")
        deadline = time.monotonic() + 60
        while sandbox.stats()["avatar_videos_created"] < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop()
        out, err = run.communicate(timeout=120)
        assert run.returncode == 1, out[-300:] + err[-800:]
        assert "state backend" in err and "Traceback" not in err
        created = sandbox.stats()["avatar_videos_created"]
        assert 5 <= created < 40  # it stopped creating
        known = lockfile.read(spec.with_name("team.lock.yaml"), "team")  # the lockfile and the local journal
        written = [r for r in known.jobs.values() if r.state in ("pending", "submitted", "succeeded")]
        assert len(written) >= created  # every create sent was written ahead


def _creates_by(sandbox: Any, app: str) -> int:
    requests = sandbox.stats()["apps"].get(app, {}).get("requests", {})
    return sum(n for endpoint, n in requests.items() if "video/task/create" in endpoint)


def _lease_pid(state_url: str) -> int | None:
    import psycopg

    with psycopg.connect(state_url, autocommit=True) as conn:
        row = conn.execute("SELECT holder->>'pid' FROM campaign_locks WHERE expires_at > now()").fetchone()
    return int(row[0]) if row and row[0] else None


def _start_quiet(spec: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    """An apply whose long plan goes nowhere (a full pipe would stop it), its errors to ERR beside the spec."""
    return subprocess.Popen(
        [sys.executable, "-m", "runner", "apply", str(spec), "--yes", "--accept-notices", "--no-report", *extra],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=spec.with_name("err").open("w"),
        text=True,
    )


def _wait_for(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_paused_holder_sends_no_paid_request_after_another_runner_took_over(state_url: str, tmp_path: Path) -> None:
    # A create that had passed the fence at the very instant the process was stopped is still on its way when
    # it resumes (the margin covers that on a real clock, not a SIGSTOP at that instant): such a pause is
    # played again in a fresh folder. Without the fence every pause sends creates after resuming.
    outcomes = [_paused_holder(state_url, tmp_path / "pause0")]
    if outcomes[0][0]:
        outcomes.append(_paused_holder(_fresh_database(state_url), tmp_path / "pause1"))
    sent_after, err = outcomes[-1]
    assert sent_after == 0, f"creates sent after resuming: {[n for n, _ in outcomes]}"  # nothing paid after resuming
    # It stops on the fence, or (paused inside a transaction) on its session ended by the server.
    assert ("lease" in err or "state backend" in err) and "Traceback" not in err, err[-800:]


def _fresh_database(state_url: str) -> str:
    """Another empty database on the same cluster."""
    import uuid

    import psycopg

    server, name = state_url.rsplit("/", 1)
    fresh = f"{name}_again_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {fresh}")
    return f"{server}/{fresh}"


def _paused_holder(state_url: str, folder: Path) -> tuple[int, str]:
    """Creates the holder sent after it resumed, and what it said; it exits 1."""
    # Two apps on one account tell the runners' requests apart. 80 creates at the app's 10 requests per
    # second: when the holder is stopped, some of its workers wait for a rate slot with a create in hand.
    folder.mkdir()
    with SandboxServer(SandboxConfig(speed=0.05, seed=24, tokens=("runner-b",))) as sandbox:
        first, second = _clones(folder, 2, _spec(400))
        env = {"CAMPAIGN_STATE_URL": state_url, "CAMPAIGN_LOCK_LEASE": "2s"}
        paused = _start_quiet(first, {**sandbox.env(), **env})
        taker: subprocess.Popen[str] | None = None
        try:
            _wait_for(lambda: _creates_by(sandbox, "app1") >= 10, 240)  # planning 400 jobs is slow on a busy machine
            paused.send_signal(signal.SIGSTOP)  # a closed laptop, a frozen VM, a paused CI job
            taker = _start_quiet(second, {**sandbox.env("runner-b"), **env}, "--lock-timeout", "1m")
            _wait_for(lambda: _lease_pid(state_url) == taker.pid, 60)
            sent_before = _creates_by(sandbox, "app1")
            paused.send_signal(signal.SIGCONT)
            paused.wait(timeout=60)
            assert paused.returncode == 1
            return _creates_by(sandbox, "app1") - sent_before, first.with_name("err").read_text()
        finally:
            for run in (paused, taker):
                if run is not None and run.poll() is None:
                    run.send_signal(signal.SIGCONT)
                    run.kill()
                    run.communicate(timeout=30)
