"""Which videos other lockfiles beside a campaign file record: a video one of them owns is never adopted by another."""

from __future__ import annotations

from pathlib import Path

from runner.errors import LockfileError
from runner.lock import lockfile, wal
from runner.lock.records import Lockfile
from runner.workspace import SANDBOX_LOCK_SUFFIX, Workspace


def _sandboxed(lock: Lockfile, path: Path) -> bool:
    return lock.world.sandbox if lock.world is not None else path.name.endswith(SANDBOX_LOCK_SUFFIX)


def _same_account(mine: Lockfile, other: Lockfile, other_path: Path, sandbox: bool) -> bool:
    """Whether the other lockfile's ids live in this run's accounts (the bundled sandbox keeps one per campaign name)."""
    if _sandboxed(other, other_path) != sandbox:
        return False
    if sandbox:
        return other.campaign == mine.campaign
    return mine.world is None or other.world is None or mine.world == other.world


def recorded_elsewhere(workspace: Workspace, mine: Lockfile) -> dict[str, str]:
    """Video and task ids that the other lockfiles beside the spec record in this run's accounts -> that lockfile."""
    owned: dict[str, str] = {}
    for path in workspace.lockfiles_beside():
        if path == workspace.lockfile:
            continue
        try:
            other = lockfile.read_existing(path)
        except LockfileError:
            continue  # unreadable: its owner is told when it runs; its ids cannot be known here
        if other is None or not _same_account(mine, other, path, workspace.sandbox):
            continue
        for record in wal.replay(path, other).jobs.values():
            superseded = (record.replaced or {}).get("video_ids") or ()
            for video_id in (*record.video_ids, *record.task_ids, *superseded):
                owned.setdefault(str(video_id), path.name)
    return owned
