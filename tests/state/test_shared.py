"""Team state keyed by lineage, safe push, journals that outlive the database: real PostgreSQL, live sandbox."""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from runner.execute.journal import Journal
from runner.lock import lockfile
from runner.lock.records import JobRecord, Lockfile
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer
from runner.state.postgres import PostgresState
from runner.state.store import state_store
from runner.workspace import Workspace
from tests.state.runners import campaign, clones, spec_text, start

APPLY = ("--yes", "--accept-notices", "--no-report")


def _wait(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql).fetchall())


def _jobs(url: str) -> dict[str, str]:
    return {key: record["state"] for key, record in _rows(url, "SELECT key, record FROM campaign_jobs")}


def test_push_replays_the_journal_of_a_killed_apply_and_refuses_a_copy_that_would_forget_jobs_in_flight(
    state_url: str, tmp_path: Path
) -> None:
    with SandboxServer(SandboxConfig(speed=0.3, spread=(0.5, 0.5), seed=24)) as sandbox:  # 15 s renders
        first, second = clones(tmp_path, 2, spec_text(4))
        env = {**sandbox.env(), "CAMPAIGN_STATE_URL": state_url}
        run = start(first, env)
        _wait(lambda: sandbox.stats()["avatar_videos_created"] == 4, 120)
        _wait(lambda: set(_jobs(state_url).values()) == {"submitted"}, 60)  # polling: every reply recorded
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=30)
        in_flight = _jobs(state_url)
        assert len(in_flight) == 4
        shutil.copy(first.with_name("team.lock.yaml"), second.with_name("team.lock.yaml"))  # without its journal
        refused = campaign(env, "state", "push", str(second))
        assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
        assert "4 jobs in flight" in refused.stderr and sorted(in_flight)[0] in refused.stderr
        assert "campaign apply" in refused.stderr and _jobs(state_url) == in_flight
        pushed = campaign(env, "state", "push", str(first))  # the killed holder's own checkout: its journal
        assert pushed.returncode == 0, pushed.stderr
        assert _jobs(state_url) == in_flight  # nothing forgotten
        lineage = lockfile.read(first.with_name("team.lock.yaml"), "team").lineage
        holder = PostgresState(state_url)
        lease = holder.acquire("team", lineage, "apply", 60, 0)  # a running apply's
        during = campaign(env, "state", "push", str(second))
        holder.release(lease)
        holder.close()
        assert during.returncode == 1 and "locked" in during.stderr, during.stderr
        assert _jobs(state_url) == in_flight
        final = start(first, env, "--lock-timeout", "1m")
        out, err = final.communicate(timeout=300)
        assert final.returncode == 0, out[-500:] + err[-1500:]
        assert sandbox.stats()["avatar_videos_created"] == 4  # nothing paid twice


def test_two_spellings_of_one_app_share_one_state_and_another_advertiser_is_refused(
    state_url: str, tmp_path: Path
) -> None:
    with SandboxServer(SandboxConfig(speed=0.003, seed=25)) as sandbox:
        first, second, third = clones(tmp_path, 3, spec_text(8))
        env = {**sandbox.env(), "CAMPAIGN_STATE_URL": state_url}
        spelled = {k: v.replace("127.0.0.1", "localhost") for k, v in env.items()}
        runs = [start(first, env, "--lock-timeout", "3m"), start(second, spelled, "--lock-timeout", "3m")]
        for run in runs:
            out, err = run.communicate(timeout=300)
            assert run.returncode == 0, out[-500:] + err[-1500:]
        assert sandbox.stats()["avatar_videos_created"] == 8
        assert len(_rows(state_url, "SELECT 1 FROM campaign_states")) == 1  # one state, one lease
        third.write_text(spec_text(12))  # work to do
        requests = sandbox.stats()["requests_total"]
        moved = campaign({**env, "TIKTOK_ADVERTISER_ID": "7777"}, "apply", str(third), *APPLY)
        assert moved.returncode == 1 and "describes another world" in moved.stderr, moved.stderr
        assert "advertiser 7777" in moved.stderr and sandbox.stats()["requests_total"] == requests


def test_two_files_with_one_campaign_name_keep_their_own_state_and_a_swapped_lockfile_is_refused(
    state_url: str, tmp_path: Path
) -> None:
    with SandboxServer(SandboxConfig(speed=0.003, seed=26)) as sandbox:
        alpha, beta = tmp_path / "alpha.yaml", tmp_path / "beta.yaml"
        alpha.write_text(spec_text(4, "Alpha"))
        beta.write_text(spec_text(4, "Beta"))
        env = {**sandbox.env(), "CAMPAIGN_STATE_URL": state_url}
        for spec in (alpha, beta):
            applied = campaign(env, "apply", str(spec), *APPLY)
            assert applied.returncode == 0, applied.stderr
        for spec in (alpha, beta):  # each file's state is its own: nothing to do, nothing adopted again
            again = campaign(env, "apply", str(spec), *APPLY)
            assert again.returncode == 0 and "No changes" in again.stdout + again.stderr, again.stdout + again.stderr
            assert "adopted" not in again.stderr
        assert sandbox.stats()["avatar_videos_created"] == 8
        shutil.copy(alpha.with_name("alpha.lock.yaml"), beta.with_name("beta.lock.yaml"))
        beta.write_text(spec_text(8, "Beta"))
        requests = sandbox.stats()["requests_total"]
        swapped = campaign(env, "apply", str(beta), *APPLY)
        assert swapped.returncode == 1 and "another file's state" in swapped.stderr, swapped.stderr
        assert "Traceback" not in swapped.stderr and sandbox.stats()["requests_total"] == requests
        pulled = campaign(env, "state", "pull", str(beta))  # the way forward the refusal names
        assert pulled.returncode == 0, pulled.stderr
        assert (
            lockfile.read(beta.with_name("beta.lock.yaml"), "team").lineage
            != lockfile.read(alpha.with_name("alpha.lock.yaml"), "team").lineage
        )


def test_postgres_gone_mid_apply_records_replies_in_flight_and_the_next_apply_goes_on_at_once(
    tmp_path: Path, own_cluster: Any
) -> None:
    # Slow replies, renders of about a second, four requests in flight when the database goes away.
    config = SandboxConfig(speed=0.5, spread=(0.02, 0.02), slow_rate=1.0, seed=27)
    with own_cluster() as (url, stop, start_again), SandboxServer(config) as sandbox:
        spec = clones(tmp_path, 1, spec_text(40) + "apply: {download: false}\n")[0]
        env = {**sandbox.env(), "CAMPAIGN_STATE_URL": url}
        run = start(spec, env, "--parallelism", "4")
        _wait(lambda: sandbox.stats()["avatar_videos_created"] >= 10, 60)
        stop()
        out, err = run.communicate(timeout=120)
        assert run.returncode == 1, out[-300:] + err[-800:]
        assert "state backend" in err and "next apply merges" in err and "Traceback" not in err
        created = sandbox.stats()["avatar_videos_created"]
        known = lockfile.read(spec.with_name("team.lock.yaml"), "team")
        assert sum(len(r.task_ids) for r in known.jobs.values()) == created  # every reply in flight was recorded
        start_again()
        began = time.monotonic()
        final = campaign(env, "apply", str(spec), *APPLY)  # the dead holder's lease does not hold it up
        assert final.returncode == 0, final.stdout[-500:] + final.stderr[-1500:]
        assert time.monotonic() - began < 100 and sandbox.stats()["avatar_videos_created"] == 40


def test_the_next_read_merges_replies_only_the_checkout_s_journal_knew(state_url: str, tmp_path: Path) -> None:
    spec = clones(tmp_path, 1, spec_text(4))[0]
    env = {"CAMPAIGN_STATE_URL": state_url}
    sent = JobRecord("avatar_video", "tiktok", "pending", ("videos.promo[avatar=a0,script=s0]",), attempts=1)
    sent = replace(sent, submitted_at=1_790_000_000.0)
    key = "av-00000000000000a1"
    with state_store(Workspace(spec), environ=env) as store, store.hold("apply"):
        written = store.write(Lockfile(campaign="team", jobs={key: sent}))
    journal = Journal(spec.with_name("team.lock.yaml"), written)  # the backend went away: the local journal alone
    journal.update(key, state="submitted", task_ids=("7400000000000000001",))
    journal.flush()
    with state_store(Workspace(spec), environ=env) as store:
        assert store.read().jobs[key].task_ids == ("7400000000000000001",)
