"""The PostgreSQL backend's leases and schema against a real cluster: dead holders, rows stored before lineages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from runner.lock import lockfile
from runner.lock.records import JobRecord, Lockfile, to_data
from runner.state.errors import LockHeld
from runner.state.postgres import MIGRATIONS, PostgresState
from runner.state.store import state_store
from runner.workspace import Workspace

HOLD_AND_DIE = (
    "import os, sys\nfrom runner.state.postgres import PostgresState\n"
    "PostgresState(sys.argv[1]).acquire('c', 'L', 'apply', 120, 0)\nos._exit(0)"
)


def test_a_lease_whose_holder_is_gone_from_this_host_is_taken_over_at_once(state_url: str) -> None:
    subprocess.run([sys.executable, "-c", HOLD_AND_DIE, state_url], check=True, timeout=60)
    state = PostgresState(state_url)
    lease = state.acquire("c", "L", "apply", 120, 0)  # not after 2 minutes: its process is provably gone
    try:
        assert lease.holder["pid"] == os.getpid()
        other = PostgresState(state_url)
        with pytest.raises(LockHeld):  # a live holder is never taken over
            other.acquire("c", "L", "apply", 120, 0)
        with psycopg.connect(state_url, autocommit=True) as conn:  # a holder on another host cannot be proven gone
            conn.execute("""UPDATE campaign_locks SET holder = '{"host": "ci-7", "pid": 999999999}'""")
        with pytest.raises(LockHeld, match="ci-7"):
            other.acquire("c", "L", "apply", 120, 0)
        other.close()
    finally:
        state.close()


RECORD = JobRecord("avatar_video", "tiktok", "succeeded", ("videos.promo[avatar=a0,script=s0]",), video_ids=("v1",))
SPEC = """version: 1
campaign: stored
avatars:
  a0: {id: "7295705233773068290"}
scripts:
  s0: {text: "Stored script for {{ avatar }}."}
videos:
  - id: promo
    avatars: [a0]
    scripts: [s0]
"""


def _before_lineages(url: str, lineage: str) -> None:
    """The schema and rows as the backend stored them when it keyed state by the world's spelling."""
    world = {"sandbox": False, "providers": {"tiktok": {"host": "business-api.tiktok.com"}}}
    meta = {"version": 2, "campaign": "stored", "serial": 3, "lineage": lineage, "world": world}
    record = to_data(Lockfile(campaign="stored", jobs={"av-00000000000000a1": RECORD}))["jobs"]["av-00000000000000a1"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE campaign_schema_version (version integer NOT NULL)")
        conn.execute(MIGRATIONS[0].encode())
        conn.execute("INSERT INTO campaign_schema_version VALUES (1)")
        key = json.dumps(world, sort_keys=True)
        conn.execute("INSERT INTO campaign_states VALUES ('stored', %s, %s, 3, %s)", (key, lineage, json.dumps(meta)))
        conn.execute(
            "INSERT INTO campaign_jobs VALUES ('stored', %s, 'av-00000000000000a1', %s)", (key, json.dumps(record))
        )


def test_rows_stored_before_lineages_are_adopted_by_the_first_lockfile_of_their_lineage(
    state_url: str, tmp_path: Path
) -> None:
    _before_lineages(state_url, "lineage-of-the-team")
    spec = tmp_path / "team" / "stored.yaml"
    spec.parent.mkdir()
    spec.write_text(SPEC)
    lockfile.write(spec.with_name("stored.lock.yaml"), Lockfile(campaign="stored", lineage="lineage-of-the-team"))
    env = {"CAMPAIGN_STATE_URL": state_url}
    with state_store(Workspace(spec), environ=env) as store:
        assert store.read().jobs == {"av-00000000000000a1": RECORD}
    with psycopg.connect(state_url, autocommit=True) as conn:
        keys = conn.execute(
            "SELECT lineage, legacy FROM campaign_states UNION SELECT lineage, false FROM campaign_jobs"
        )
        assert keys.fetchall() == [("lineage-of-the-team", False)]
    fresh = tmp_path / "fresh" / "stored.yaml"  # a clone without the lockfile joins the same lineage
    fresh.parent.mkdir()
    fresh.write_text(SPEC)
    with state_store(Workspace(fresh), environ=env) as store:
        read = store.read()
        assert read.jobs == {"av-00000000000000a1": RECORD} and read.lineage == "lineage-of-the-team"


def test_runners_that_meet_an_empty_database_at_once_all_start(postgres_server: str) -> None:
    """Concurrent first use must not fail: `CREATE TABLE IF NOT EXISTS` races on the row type's name."""
    failures: list[BaseException] = []
    for _ in range(20):
        name = "t_" + os.urandom(6).hex()
        with psycopg.connect(postgres_server + "/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = f"{postgres_server}/{name}"
        ready = threading.Barrier(6)

        def start(url: str = url, ready: threading.Barrier = ready) -> None:
            ready.wait()
            try:
                PostgresState(url).close()
            except BaseException as exc:  # collected and asserted below
                failures.append(exc)

        threads = [threading.Thread(target=start) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert failures == []
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT version FROM campaign_schema_version").fetchall() == [(len(MIGRATIONS),)]
