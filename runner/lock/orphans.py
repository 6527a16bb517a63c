"""Orphan artifacts: downloaded videos no lockfile refers to any more (replaced or forgotten jobs)."""

from __future__ import annotations

import re
from pathlib import Path

from runner.atomic import TEMP_SUFFIX
from runner.errors import LockfileError
from runner.lock import lockfile
from runner.lock.records import Lockfile
from runner.vocabulary.kinds import kinds
from runner.workspace import Workspace


def artifact_name() -> re.Pattern[str]:
    """What the engine names a download (`<key>-<video id>.mp4`, a key of any kind but a twin's); nothing else is touched."""
    prefixes = "|".join(sorted(k.prefix for k in kinds() if not k.twin))
    return re.compile(rf"^({prefixes})-[0-9a-f]{{16}}-[^/]+\.mp4$")


def referenced(lock: Lockfile, lock_path: Path) -> set[Path]:
    """The artifact files a lockfile records, as resolved paths."""
    return {(lock_path.parent / a.path).resolve() for record in lock.jobs.values() for a in record.artifacts}


def orphan_artifacts(folder: Path, kept: set[Path]) -> list[Path]:
    """Downloads in `folder` that no lockfile keeps, plus temp files of interrupted downloads; sorted."""
    if not folder.is_dir():
        return []
    orphans, pattern = [], artifact_name()
    for path in sorted(folder.iterdir()):
        interrupted = path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)
        if path.is_file() and (pattern.match(path.name) or interrupted) and path.resolve() not in kept:
            orphans.append(path)
    return orphans


def find_orphans(workspace: Workspace, lock: Lockfile, configured: str | None) -> list[Path]:
    """Downloads no lockfile of this spec keeps (the sandbox's and the real one share the folder)."""
    kept = referenced(lock, workspace.lockfile)
    for sibling in set(workspace.lockfiles) - {workspace.lockfile}:
        try:
            other = lockfile.read_existing(sibling)
        except LockfileError:
            other = None
        if other is not None and other.campaign == lock.campaign:
            kept |= referenced(other, sibling)
    return orphan_artifacts(workspace.artifacts(lock.campaign, configured), kept)
