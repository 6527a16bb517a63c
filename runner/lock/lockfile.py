"""The lockfile on disk: read with its write-ahead log replayed, written atomically."""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import replace
from pathlib import Path

from runner.atomic import atomic_file, remove_stale_temps
from runner.errors import LockfileError
from runner.lock import wal
from runner.lock.records import LOCK_VERSION, JobRecord, Lockfile, dumps, loads
from runner.workspace import scratch_dir_for

# render.py and adoption.py still import the two record types from here.
__all__ = ["JobRecord", "Lockfile", "digest_of_file", "next_version", "read", "read_existing", "write", "write_atomic"]


def read_existing(path: Path) -> Lockfile | None:
    """Read the lockfile at `path` whatever its campaign, or None when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LockfileError(f"{path}: cannot read lockfile: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise LockfileError(f"{path}: corrupt lockfile (not UTF-8 text); restore it from git") from None
    return loads(text, str(path))


def read(path: Path, campaign: str) -> Lockfile:
    """Read the lockfile at `path`, or an empty one for `campaign` if it does not exist."""
    lock = read_existing(path)
    lock = wal.replay(path, Lockfile(campaign=campaign) if lock is None else lock)
    if lock.campaign != campaign:
        raise LockfileError(
            f"{path}: lockfile belongs to campaign '{lock.campaign}', not '{campaign}'; pass --lock to use another file"
        )
    return lock


def write_atomic(path: Path, text: str, *, make_parents: bool = True) -> None:
    """Replace `path` with `text` atomically and durably (temp file, fsync, rename, fsync dir).

    The temp file lives in the untracked state folder beside `path`, so a kill mid-write leaves
    nothing `git status` shows; temp files such a kill left are removed here.
    """
    scratch = scratch_dir_for(path)
    with _writing:  # one writer at a time in this process; other processes are kept out by the state lock
        with atomic_file(path, scratch=scratch, make_parents=make_parents) as out:
            out.write(text)
        remove_stale_temps(path, scratch)
        remove_stale_temps(path, path.parent)  # left beside the file by earlier versions


_writing = threading.Lock()


def next_version(lock: Lockfile) -> Lockfile:
    """The lockfile as its next write records it: serial + 1, and a lineage from the first write on."""
    return replace(lock, serial=lock.serial + 1, lineage=lock.lineage or str(uuid.uuid4()), version=LOCK_VERSION)


def write(path: Path, lock: Lockfile) -> Lockfile:
    """Write the lockfile atomically; return it as written (keep it: its serial counts the writes)."""
    written = next_version(lock)
    write_atomic(path, dumps(written))
    wal.discard(path)  # the lockfile now holds everything the write-ahead log held
    return written


def digest_of_file(path: Path) -> str:
    """sha256 of a file's bytes, or of the empty string when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return hashlib.sha256(b"").hexdigest()
