"""Downloading finished videos at once (preview URLs expire), with sha256 and size."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import httpx

from runner.atomic import atomic_file
from runner.lock.records import Artifact


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
    path = relative_to / artifact.path
    return path.is_file() and path.stat().st_size == artifact.size
