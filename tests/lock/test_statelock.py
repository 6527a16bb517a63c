from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.errors import StateLockHeld
from runner.lock.statelock import (
    ForceUnlockError,
    StateLock,
    force_unlock,
    info_path,
    os_lock_path,
    read_info,
)

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys
from pathlib import Path
from runner.lock.statelock import StateLock
lock = StateLock(Path(sys.argv[1]))
lock.acquire()
print(lock.lock_id, flush=True)
sys.stdin.read()
lock.release()
print("released", flush=True)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """A separate process holding the state lock of tmp_path/camp.lock.yaml."""
    lockfile = tmp_path / "camp.lock.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lockfile)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    assert proc.stdout is not None
    lock_id = proc.stdout.readline().strip()
    assert lock_id, "holder did not start"
    yield proc, lock_id, lockfile
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


def _campaign(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], capture_output=True, text=True, timeout=60, env=_env(), cwd=cwd
    )


def test_acquire_writes_info_and_release_cleans_up(tmp_path: Path) -> None:
    lockfile = tmp_path / "camp.lock.yaml"
    with StateLock(lockfile, operation="apply") as lock:
        info = read_info(lockfile)
        assert info is not None
        assert info.lock_id == lock.lock_id
        assert info.pid == os.getpid()
        assert info.host == socket.gethostname()
        assert info.operation == "apply"
        assert info.since.endswith("Z")
        assert json.loads(info_path(lockfile).read_text())["version"] == 1
    assert not info_path(lockfile).exists()
    assert read_info(lockfile) is None
    assert os_lock_path(lockfile).name == ".camp.lock.yaml.state-lock"
    with StateLock(lockfile):  # free again
        pass


def test_second_holder_in_same_process_refused(tmp_path: Path) -> None:
    lockfile = tmp_path / "camp.lock.yaml"
    with StateLock(lockfile) as first:
        with pytest.raises(StateLockHeld) as exc:
            StateLock(lockfile).acquire()
        assert first.lock_id in str(exc.value)
    assert not info_path(lockfile).exists()


def test_released_on_exception(tmp_path: Path) -> None:
    lockfile = tmp_path / "camp.lock.yaml"
    with pytest.raises(RuntimeError), StateLock(lockfile):
        raise RuntimeError("boom")
    assert read_info(lockfile) is None
    with StateLock(lockfile):
        pass


def test_exclusive_across_processes(holder: tuple[subprocess.Popen[str], str, Path]) -> None:
    proc, lock_id, lockfile = holder
    with pytest.raises(StateLockHeld) as exc:
        StateLock(lockfile).acquire()
    message = str(exc.value)
    assert f"pid {proc.pid}" in message
    assert f"host {socket.gethostname()}" in message
    assert lock_id in message
    assert f"campaign force-unlock {lock_id} {lockfile.parent / 'camp.yaml'}" in message
    # the refused attempt left the holder's record alone
    info = read_info(lockfile)
    assert info is not None and info.lock_id == lock_id
    # the holder releases cleanly; then the lock is free
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.close()
    assert proc.stdout.readline().strip() == "released"
    proc.wait(timeout=10)
    with StateLock(lockfile):
        pass


def test_cli_force_unlock_refused_while_holder_runs(holder: tuple[subprocess.Popen[str], str, Path]) -> None:
    proc, lock_id, lockfile = holder
    (lockfile.parent / "camp.yaml").write_text("version: 1\n")
    result = _campaign("force-unlock", "not-the-id", "camp.yaml", cwd=lockfile.parent)
    assert result.returncode == 1
    assert lock_id in result.stderr  # names the actual holder
    assert "Traceback" not in result.stderr
    result = _campaign("force-unlock", lock_id, "camp.yaml", cwd=lockfile.parent)
    assert result.returncode == 1
    assert "still held by a running process" in result.stderr
    assert read_info(lockfile) is not None


def test_sigkilled_holder_is_taken_over(
    holder: tuple[subprocess.Popen[str], str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    proc, lock_id, lockfile = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert read_info(lockfile) is not None  # the crash left its record behind
    with StateLock(lockfile) as lock:
        assert lock.took_over is not None and lock.took_over.lock_id == lock_id
        info = read_info(lockfile)
        assert info is not None and info.lock_id == lock.lock_id
    err = capsys.readouterr().err
    assert "taking over" in err and lock_id in err
    assert read_info(lockfile) is None


def _plant_foreign(lockfile: Path, lock_id: str = "11111111-2222-3333-4444-555555555555") -> str:
    info_path(lockfile).write_text(
        json.dumps(
            {
                "lock_id": lock_id,
                "pid": 4242,
                "host": "ci-7.example",
                "since": "2026-11-23T06:00:00Z",
                "operation": "apply",
                "version": 1,
            }
        )
    )
    return lock_id


def test_holder_on_other_host_refused_until_force_unlock(tmp_path: Path) -> None:
    lockfile = tmp_path / "camp.lock.yaml"
    lock_id = _plant_foreign(lockfile)
    with pytest.raises(StateLockHeld) as exc:
        StateLock(lockfile).acquire()
    assert "pid 4242 on host ci-7.example since 2026-11-23T06:00:00Z" in str(exc.value)
    assert read_info(lockfile) is not None  # refused attempt keeps the record
    with pytest.raises(ForceUnlockError) as wrong:
        force_unlock(lockfile, "wrong-id")
    assert lock_id in str(wrong.value)
    removed = force_unlock(lockfile, lock_id)
    assert removed.host == "ci-7.example"
    assert read_info(lockfile) is None
    with StateLock(lockfile):
        pass


def test_hint_for_relative_and_custom_lock_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "campaigns").mkdir()
    _plant_foreign(Path("campaigns/boots.lock.yaml"), "id-1")
    with pytest.raises(StateLockHeld, match="force-unlock id-1 campaigns/boots.yaml$"):
        StateLock(Path("campaigns/boots.lock.yaml")).acquire()
    _plant_foreign(Path("state.yaml"), "id-2")
    with pytest.raises(StateLockHeld, match="force-unlock id-2 SPEC --lock state.yaml$"):
        StateLock(Path("state.yaml")).acquire()


def test_force_unlock_nothing_locked(tmp_path: Path) -> None:
    with pytest.raises(ForceUnlockError, match="not locked"):
        force_unlock(tmp_path / "camp.lock.yaml", "x")


def test_cli_force_unlock_right_and_wrong_id(tmp_path: Path) -> None:
    (tmp_path / "camp.yaml").write_text("version: 1\n")
    custom = tmp_path / "other.lock.yaml"
    lock_id = _plant_foreign(custom)
    wrong = _campaign("force-unlock", "nope", "camp.yaml", "--lock", str(custom), cwd=tmp_path)
    assert wrong.returncode == 1 and lock_id in wrong.stderr
    right = _campaign("force-unlock", lock_id, "camp.yaml", "--lock", str(custom), cwd=tmp_path)
    assert right.returncode == 0, right.stderr
    assert "removed the state lock of other.lock.yaml" in right.stdout and "ci-7.example" in right.stdout
    assert read_info(custom) is None


def test_the_sandbox_lockfile_has_its_own_lock_and_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "boots.yaml").write_text("version: 1\n")
    lock_id = _plant_foreign(Path("boots.sandbox.lock.yaml"), "id-3")
    with pytest.raises(StateLockHeld, match="force-unlock id-3 boots.yaml --sandbox$"):
        StateLock(Path("boots.sandbox.lock.yaml")).acquire()
    with StateLock(Path("boots.lock.yaml")):  # the real lockfile is not held by a sandbox run
        pass
    right = _campaign("force-unlock", lock_id, "boots.yaml", "--sandbox", cwd=tmp_path)
    assert right.returncode == 0 and "boots.sandbox.lock.yaml" in right.stdout, right.stderr
    assert read_info(Path("boots.sandbox.lock.yaml")) is None
