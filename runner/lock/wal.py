"""The write-ahead log: one appended JSON line per changed record, compacted into the YAML lockfile.

Other lines: `{"resolved": [provider, name, id]}` for an avatar name's id, `{"retired": N}` for the running
count of paid videos whose records were replaced or forgotten.

It lives in the untracked state folder beside the lockfile (`.campaign/NAME.lock.yaml.journal`).
Every reader of the lockfile replays it (`lockfile.read`), so a crash between two compactions
loses nothing. A torn last line (a crash mid-append) is ignored: its change was never relied on,
because requests that depend on a change are sent only after its line is fsynced.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from runner.errors import LockfileError
from runner.lock import records
from runner.lock.records import JobRecord, Lockfile
from runner.workspace import journal_for


def record_line(campaign: str, key: str, record: JobRecord | None) -> dict[str, Any]:
    """One job's change as plain data (None: the job was dropped)."""
    data = None if record is None else records.to_data(Lockfile(campaign=campaign, jobs={key: record}))["jobs"][key]
    return {"job": key, "record": data}


def append(path: Path, lines: Iterable[dict[str, Any]]) -> int:
    """Append lines durably (write, fsync); return the bytes written."""
    payload = "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines).encode()
    if not payload:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)
    return len(payload)


def replay(lock_path: Path, lock: Lockfile) -> Lockfile:
    """The lockfile with the journal's changes applied (unchanged when there is no journal)."""
    path = journal_for(lock_path)
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return lock
    jobs = dict(lock.jobs)
    resolved = {p: dict(n) for p, n in lock.resolved_avatars.items()}
    retired = lock.retired_videos
    for text in raw.split(b"\n"):
        try:
            line = json.loads(text)
        except ValueError:
            continue  # a torn last line, or an empty one
        if not isinstance(line, dict):
            continue
        if "resolved" in line:
            provider, name, avatar_id = _resolution(path, line["resolved"])
            resolved.setdefault(provider, {})[name] = avatar_id
            continue
        if isinstance(line.get("retired"), int):
            retired = max(retired, line["retired"])  # a running total: the last line holds it
            continue
        key = str(line.get("job"))
        if line.get("record") is None:
            jobs.pop(key, None)
        else:
            parsed = records.from_data(
                {"version": lock.version, "campaign": lock.campaign, "jobs": {key: line["record"]}}, str(path)
            )
            jobs[key] = parsed.jobs[key]
    return replace(lock, jobs=jobs, resolved_avatars=resolved, retired_videos=retired)


def _resolution(path: Path, value: Any) -> tuple[str, str, str]:
    """A journaled avatar resolution: [provider, name, id]; anything else is a damaged journal."""
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        raise LockfileError(
            f"{path}: corrupt journal line: a resolved avatar must be [provider, name, id], not {value!r}; "
            "remove that line (the lockfile beside it holds everything up to the last compaction)"
        )
    return value[0], value[1], value[2]


def discard(lock_path: Path) -> None:
    """Drop the journal once the lockfile holds everything in it."""
    journal_for(lock_path).unlink(missing_ok=True)
