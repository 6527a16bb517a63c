"""Downloading finished videos at once (preview URLs expire), with sha256 and size."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from runner.atomic import atomic_file
from runner.lock.records import Artifact, Lockfile
from runner.vocabulary.kinds import JobKind

if TYPE_CHECKING:  # `campaign plan` checks files on disk without loading the HTTP client
    import httpx


def artifact_path(folder: Path, key: str, video_id: str) -> Path:
    """Where a job's video is stored."""
    return folder / f"{key}-{video_id}.mp4"


def download(url: str, target: Path, relative_to: Path, video_id: str, http: httpx.Client) -> Artifact:
    """Stream `url` to `target` atomically; return the artifact record (path relative to the lockfile)."""
    digest = hashlib.sha256()
    size = 0
    with atomic_file(target, "wb") as out, http.stream("GET", url) as reply:
        reply.raise_for_status()
        for chunk in reply.iter_bytes():
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return Artifact(
        video_id=video_id,
        path=os.path.relpath(target, relative_to).replace(os.sep, "/"),
        sha256=digest.hexdigest(),
        size=size,
    )


def artifact_ok(artifact: Artifact, relative_to: Path) -> bool:
    """Whether a recorded artifact is on disk with its recorded size."""
    try:  # one stat for both questions: a plan asks it of every recorded video
        found = os.stat(os.path.join(relative_to, artifact.path))
    except OSError as exc:
        if (
            exc.errno in _ABSENT or getattr(exc, "winerror", None) in _ABSENT_ON_WINDOWS
        ):  # as `Path.is_file()` reads them
            return False
        raise
    except ValueError:  # a path the OS cannot take (a NUL byte)
        return False
    return stat.S_ISREG(found.st_mode) and found.st_size == artifact.size


_ABSENT = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})
_ABSENT_ON_WINDOWS = frozenset({21, 123, 1921})  # not ready, invalid name, cannot resolve the name


def needs_downloads(lock: Lockfile, lock_dir: Path) -> list[str]:
    """Succeeded jobs whose videos are not all on disk."""
    missing = []
    for key, record in lock.jobs.items():
        if record.state != "succeeded" or record.kind == JobKind.UPLOAD:
            continue
        have = {a.video_id for a in record.artifacts if artifact_ok(a, lock_dir)}
        if any(v not in have for v in record.video_ids):
            missing.append(key)
    return sorted(missing)
