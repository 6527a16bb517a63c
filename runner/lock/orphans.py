"""Orphan artifacts: downloaded videos no lockfile refers to any more (replaced or forgotten jobs)."""

from __future__ import annotations

import re
from pathlib import Path

from runner.atomic import TEMP_SUFFIX
from runner.errors import LockfileError
from runner.lock import lockfile, wal
from runner.lock.records import Lockfile
from runner.vocabulary.kinds import kinds
from runner.workspace import Workspace, shared_artifacts_dir_for


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
    """Downloads no lockfile beside the spec keeps, whatever its campaign: this file's folder, and the one older
    releases shared between files of one `campaign:` name (only finished downloads there: another file's apply
    may be writing one)."""
    kept = referenced(lock, workspace.lockfile)
    unreadable = False
    for sibling in workspace.lockfiles_beside():
        if sibling == workspace.lockfile:
            continue
        try:
            other = lockfile.read_existing(sibling)
        except LockfileError:
            other, unreadable = None, True
        if other is not None:
            kept |= referenced(wal.replay(sibling, other), sibling)
    orphans = orphan_artifacts(workspace.artifacts(configured), kept)
    shared = shared_artifacts_dir_for(workspace.spec_path, lock.campaign, configured)
    if shared is not None and not unreadable:  # a lockfile that cannot be read may keep any of them
        orphans += [p for p in orphan_artifacts(shared, kept) if artifact_name().match(p.name)]
    return orphans
