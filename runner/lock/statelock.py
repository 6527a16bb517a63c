"""The state lock: one `apply` at a time per lockfile, with the holder named and crash takeover.

Protocol (see docs/state-lock.md):

* Beside `x.lock.yaml` live `.x.lock.yaml.state-lock` (an OS lock, `flock`, held for the
  whole operation) and `.x.lock.yaml.state-lock.json` (who holds it: lock id, pid, host,
  since, operation), written atomically while the OS lock is held.
* A busy OS lock means a live holder on this host: refuse, naming it from the info file.
* The OS lock is free but an info file is left: its holder ended without releasing. When it
  names this host, the holder is gone (the kernel releases `flock` when a process dies), so
  take over with a warning. When it names another host, `flock` may not span hosts on a shared
  filesystem: refuse, naming it; `campaign force-unlock LOCK_ID` clears it.
* Release removes the info file, then releases the OS lock (whose file stays: unlinking a
  locked file breaks mutual exclusion).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from runner.atomic import StorageError, atomic_file
from runner.errors import CampaignError, StateLockHeld

if TYPE_CHECKING:  # loaded with the first lock taken: `campaign plan` takes none
    import filelock

INFO_VERSION = 1


class ForceUnlockError(CampaignError):
    """force-unlock refused: wrong id, nothing locked, or the holder is still running."""


@dataclass(frozen=True, slots=True)
class LockInfo:
    """Who holds the state lock."""

    lock_id: str
    pid: int
    host: str
    since: str  # ISO-8601 UTC, e.g. 2026-11-23T06:00:00Z
    operation: str
    version: int = INFO_VERSION

    def describe(self) -> str:
        """`pid 1234 on host ci-7 since ... (lock id ..., operation apply)`."""
        return (
            f"pid {self.pid} on host {self.host} since {self.since} "
            f"(lock id {self.lock_id}, operation {self.operation})"
        )


def os_lock_path(lockfile_path: Path) -> Path:
    """The file the OS lock is taken on: `x.lock.yaml` -> `.x.lock.yaml.state-lock`."""
    return lockfile_path.with_name(f".{lockfile_path.name}.state-lock")


def info_path(lockfile_path: Path) -> Path:
    """The holder's info file: `x.lock.yaml` -> `.x.lock.yaml.state-lock.json`."""
    return lockfile_path.with_name(f".{lockfile_path.name}.state-lock.json")


def read_info(lockfile_path: Path) -> LockInfo | None:
    """The recorded holder, or None when there is none (or the record is unreadable)."""
    try:
        raw: Any = json.loads(info_path(lockfile_path).read_text(encoding="utf-8"))
        return LockInfo(
            lock_id=str(raw["lock_id"]),
            pid=int(raw["pid"]),
            host=str(raw["host"]),
            since=str(raw["since"]),
            operation=str(raw.get("operation", "apply")),
            version=int(raw.get("version", INFO_VERSION)),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _write_info(lockfile_path: Path, info: LockInfo) -> None:
    with atomic_file(info_path(lockfile_path)) as out:
        json.dump(asdict(info), out, sort_keys=True)
        out.write("\n")


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spec_hint(lockfile_path: Path) -> str:
    name = lockfile_path.name
    if name.endswith(".sandbox.lock.yaml"):
        return str(lockfile_path.with_name(name[: -len(".sandbox.lock.yaml")] + ".yaml")) + " --sandbox"
    if name.endswith(".lock.yaml"):
        return str(lockfile_path.with_name(name[: -len(".lock.yaml")] + ".yaml"))
    return f"SPEC --lock {lockfile_path}"


def _held_message(lockfile_path: Path, info: LockInfo | None) -> str:
    where = f"the state of {lockfile_path.name} is locked"
    if info is None:
        return f"{where} by another process that has not recorded its details yet; wait for it to finish and try again"
    return (
        f"{where} by {info.describe()}; wait for it to finish, or if that process is gone run: "
        f"campaign force-unlock {info.lock_id} {_spec_hint(lockfile_path)}"
    )


class StateLock:
    """Context manager holding the state lock of one lockfile for one operation."""

    def __init__(self, lockfile_path: Path, operation: str = "apply") -> None:
        self.lockfile_path = Path(lockfile_path)
        self.operation = operation
        self.lock_id = str(uuid.uuid4())
        self.took_over: LockInfo | None = None
        self._os_lock: filelock.FileLock | None = None

    def acquire(self) -> None:
        """Take the lock or raise StateLockHeld naming the holder."""
        import filelock

        if self._os_lock is None:
            self._os_lock = filelock.FileLock(str(os_lock_path(self.lockfile_path)), blocking=False)
        try:
            self.lockfile_path.parent.mkdir(parents=True, exist_ok=True)
            self._os_lock.acquire()
        except filelock.Timeout:
            raise StateLockHeld(_held_message(self.lockfile_path, read_info(self.lockfile_path))) from None
        except OSError as exc:  # a read-only folder or no permission: the environment, not a bug
            raise StorageError(
                f"cannot lock the state of {self.lockfile_path}: {exc.strerror or exc}; the folder "
                f"{self.lockfile_path.parent} must be writable (or pass --lock with a writable path)"
            ) from None
        try:
            stale = read_info(self.lockfile_path)
            if stale is not None:
                if stale.host != socket.gethostname():
                    raise StateLockHeld(_held_message(self.lockfile_path, stale))
                self.took_over = stale
                print(
                    f"warning: taking over the state lock of {self.lockfile_path.name} from "
                    f"{stale.describe()}, which ended without releasing it",
                    file=sys.stderr,
                )
            _write_info(
                self.lockfile_path,
                LockInfo(
                    lock_id=self.lock_id,
                    pid=os.getpid(),
                    host=socket.gethostname(),
                    since=_now_iso(),
                    operation=self.operation,
                ),
            )
        except BaseException:
            self._os_lock.release()
            raise

    def release(self) -> None:
        """Remove our info record and release the OS lock."""
        if self._os_lock is None or not self._os_lock.is_locked:
            return
        try:
            current = read_info(self.lockfile_path)
            if current is not None and current.lock_id == self.lock_id:
                info_path(self.lockfile_path).unlink(missing_ok=True)
        finally:
            self._os_lock.release()

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def force_unlock(lockfile_path: Path, lock_id: str) -> LockInfo:
    """Remove the recorded lock if `lock_id` names it and its holder is not running; return what was removed."""
    lockfile_path = Path(lockfile_path)
    info = read_info(lockfile_path)
    if info is None:
        raise ForceUnlockError(f"the state of {lockfile_path.name} is not locked; nothing to unlock")
    if info.lock_id != lock_id:
        raise ForceUnlockError(
            f"lock id {lock_id} does not match the current lock of {lockfile_path.name}, "
            f"which is held by {info.describe()}"
        )
    import filelock

    probe = filelock.FileLock(str(os_lock_path(lockfile_path)), blocking=False)
    try:
        probe.acquire()
    except filelock.Timeout:
        running = " (still running)" if info.host == socket.gethostname() and pid_alive(info.pid) else ""
        raise ForceUnlockError(
            f"the state lock of {lockfile_path.name} is still held by a running process on this host: "
            f"{info.describe()}{running}; stop it first"
        ) from None
    try:
        current = read_info(lockfile_path)
        if current is not None and current.lock_id == lock_id:
            info_path(lockfile_path).unlink(missing_ok=True)
    finally:
        probe.release()
    return info
