"""Files replaced all at once: readers see the old content or the new one, never a mix."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from runner.errors import CampaignError

TEMP_SUFFIX = ".tmp"


class StorageError(CampaignError):
    """A file could not be written: read-only folder, full disk, no permission (the environment, not a bug)."""


_umask_lock = threading.Lock()
_umask: int | None = None


def default_mode() -> int:
    """The mode a new file gets under the process umask (0o666 minus the umask)."""
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = os.umask(0o022)
            os.umask(_umask)
    return 0o666 & ~_umask


def temp_prefix(path: Path) -> str:
    """The name prefix of `path`'s temporary files: `.x.lock.yaml.`."""
    return f".{path.name}."


def remove_stale_temps(path: Path, folder: Path, keep: str = "") -> None:
    """Remove temp files of `path` left in `folder` by a writer that was killed (all but `keep`)."""
    prefix = temp_prefix(path)
    with contextlib.suppress(OSError):
        for leftover in folder.glob(f"{prefix}*{TEMP_SUFFIX}"):
            middle = leftover.name[len(prefix) : -len(TEMP_SUFFIX)]
            if (
                leftover.name != keep and "." not in middle
            ):  # not another file's temp (`.x.lock.yaml.state-lock.json.*`)
                leftover.unlink(missing_ok=True)


def _describe(exc: OSError, path: Path) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"cannot write {path}: {reason}; nothing was changed there. Free space or fix the folder's permissions, then run again"


@contextlib.contextmanager
def atomic_file(
    path: Path, mode: str = "w", *, durable: bool = True, scratch: Path | None = None, make_parents: bool = True
) -> Iterator[IO[Any]]:
    """Write a temp file, then rename it over `path`; on error `path` is untouched.

    `scratch` is the folder for the temp file (same filesystem as `path`; default: beside it).
    The result keeps the mode of the file it replaces; a new file gets the umask's default.
    `durable` fsyncs the file and its directory, so the new content survives a power loss.
    OSErrors become StorageError: one message, exit 1.
    """
    folder = scratch if scratch is not None else path.parent
    tmp = ""
    try:
        if make_parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, f"no folder {path.parent}")
        if folder != path.parent:
            folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=folder)
        try:
            target_mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            target_mode = default_mode()
        os.fchmod(fd, target_mode)
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as out:
            yield out
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.replace(tmp, path)
        tmp = ""
        if durable:
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise StorageError(_describe(exc, path)) from None
    finally:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
