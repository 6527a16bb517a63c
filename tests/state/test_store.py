"""One state store for every command: the checkout's lockfile without a backend, PostgreSQL with one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from runner.errors import StateLockHeld
from runner.lock import lockfile
from runner.lock.records import JobRecord, Lockfile
from runner.lock.statelock import ForceUnlockError, read_info
from runner.state.errors import StateBackendError
from runner.state.local import LocalStore
from runner.state.store import open_store, state_store
from runner.workspace import Workspace

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
apply: {download: false}
"""
RECORD = JobRecord("avatar_video", "tiktok", "succeeded", ("videos.promo[avatar=a0,script=s0]",), video_ids=("v1",))


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "stored.yaml"
    path.write_text(SPEC)
    return path


def test_without_a_backend_the_store_is_the_checkout_s_lockfile(spec: Path) -> None:
    store = open_store(Workspace(spec), environ={})
    assert isinstance(store, LocalStore) and not store.shared and store.mirror() is None
    assert store.read_existing() is None and store.read() == Lockfile(campaign="stored")
    written = store.write(Lockfile(campaign="stored", jobs={"av-00000000000000aa": RECORD}))
    assert written.serial == 1 and lockfile.read(spec.with_name("stored.lock.yaml"), "stored") == written
    assert store.read_existing() == written


def test_the_local_hold_is_the_file_lock_and_force_unlock_clears_it(spec: Path) -> None:
    workspace = Workspace(spec, sandbox=True)
    with state_store(workspace, environ={}) as store, store.hold("apply"):
        info = read_info(workspace.lockfile)
        assert info is not None and info.operation == "apply"
        with pytest.raises(StateLockHeld), LocalStore(workspace).hold("clean"):
            pass
    assert read_info(workspace.lockfile) is None
    with pytest.raises(ForceUnlockError, match="not locked"):
        LocalStore(workspace).force_unlock("x")


def test_leases_pull_and_push_need_a_backend(spec: Path) -> None:
    store = LocalStore(Workspace(spec))
    for ask in (store.leases, store.pull, store.push):
        with pytest.raises(StateBackendError, match="CAMPAIGN_STATE_URL"):
            ask()


def test_a_backend_url_of_another_kind_is_refused(spec: Path) -> None:
    with pytest.raises(StateBackendError, match="postgresql://"):
        open_store(Workspace(spec), environ={"CAMPAIGN_STATE_URL": "redis://:secret@host/0"})


def _campaign(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_with_a_backend_plan_status_and_export_read_the_shared_state(state_url: str, spec: Path) -> None:
    from runner.sandbox.config import SandboxConfig
    from runner.sandbox.server import SandboxServer

    with SandboxServer(SandboxConfig(speed=0.01, seed=41)) as sandbox:
        shared: dict[str, Any] = {**sandbox.env(), "CAMPAIGN_STATE_URL": state_url}
        alone = dict(sandbox.env())
        applied = _campaign(shared, "apply", str(spec), "--yes", "--accept-notices")
        assert applied.returncode == 0, applied.stderr
        spec.with_name("stored.lock.yaml").unlink()  # a checkout taken before the lockfile was committed
        stale = _campaign(alone, "plan", str(spec), "--detailed-exitcode")
        assert stale.returncode == 2  # the checkout alone would make the video again
        planned = _campaign(shared, "plan", str(spec), "--detailed-exitcode")
        assert planned.returncode == 0 and "No changes" in planned.stdout, planned.stdout + planned.stderr
        status = _campaign(shared, "status", str(spec))
        assert status.returncode == 0 and "1 succeeded" in status.stdout, status.stderr
        exported = _campaign(shared, "export", str(spec), "--format", "json")
        assert exported.returncode == 0 and '"succeeded"' in exported.stdout, exported.stderr
        again = _campaign(shared, "apply", str(spec), "--yes", "--accept-notices")
        assert again.returncode == 0 and "No changes" in again.stdout + again.stderr
        assert sandbox.stats()["avatar_videos_created"] == 1
        assert lockfile.read(spec.with_name("stored.lock.yaml"), "stored").jobs  # the checkout shows it again
