"""The write-ahead journal: bytes per event do not grow with the lockfile; a killed run's journal is replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.execute.journal import Journal, MirrorLost
from runner.lock import lockfile
from runner.lock.records import JobRecord, Lockfile
from runner.providers.errors import RunStopped
from runner.state.errors import StateBackendError
from runner.workspace import journal_for


def _record(i: int) -> JobRecord:
    return JobRecord(
        kind="avatar_video",
        provider="tiktok",
        state="submitted",
        addresses=(f"videos.g[a=a{i}]",),  # type: ignore[arg-type]
        task_ids=(f"{7400000000000000000 + i}",),
        attempts=1,
        submitted_at=1_790_000_000.0,
    )


def _key(i: int) -> str:
    return f"av-{i:016x}"


def _bytes_for_one_event(tmp_path: Path, size: int) -> int:
    path = tmp_path / f"n{size}" / "c.lock.yaml"
    path.parent.mkdir()
    lock = Lockfile(campaign="c", jobs={_key(i): _record(i) for i in range(size)})
    lockfile.write(path, lock)
    journal = Journal(path, lockfile.read(path, "c"))
    before = journal.bytes_appended
    journal.update(_key(size // 2), state="succeeded", video_ids=("7500000000000000001",))
    journal.flush()
    return journal.bytes_appended - before


def test_bytes_per_event_do_not_grow_with_the_lockfile(tmp_path: Path) -> None:
    small, large = _bytes_for_one_event(tmp_path, 10), _bytes_for_one_event(tmp_path, 5000)
    assert small > 0 and large <= small + 8  # the key's width may differ by a digit or so; never by the lockfile's size


def test_a_journal_left_by_a_killed_run_is_replayed_by_every_reader_and_compacted(tmp_path: Path) -> None:
    path = tmp_path / "c.lock.yaml"
    journal = Journal(path, Lockfile(campaign="c"))
    journal.put(_key(1), _record(1))
    journal.flush()
    with open(journal_for(path), "ab") as torn:  # a crash mid-append leaves a partial last line
        torn.write(b'{"job": "av-00000000000000')
    assert not path.exists()  # nothing compacted yet: only the journal holds the record
    assert lockfile.read(path, "c").jobs[_key(1)].task_ids == ("7400000000000000001",)
    journal.compact()
    assert lockfile.read(path, "c").jobs[_key(1)].state == "submitted"
    assert not journal_for(path).exists()


def test_the_count_of_retired_videos_survives_a_killed_run_and_compaction(tmp_path: Path) -> None:
    path = tmp_path / "c.lock.yaml"
    lockfile.write(path, Lockfile(campaign="c", jobs={_key(1): _record(1)}, retired_videos=3))
    journal = Journal(path, lockfile.read(path, "c"))
    journal.retire(2)
    journal.drop([_key(1)])
    journal.flush()  # then killed: only the journal holds the change
    replayed = lockfile.read(path, "c")
    assert replayed.retired_videos == 5 and not replayed.jobs
    journal.compact()
    assert not journal_for(path).exists() and lockfile.read(path, "c").retired_videos == 5
    assert '"retired_videos": 5' in path.read_text()


class _GoneBackend:
    def __init__(self) -> None:
        self.calls = 0

    def append(self, lock: Lockfile, changes: list[tuple[str, JobRecord | None]]) -> None:
        self.calls += 1
        raise StateBackendError("the state backend at postgresql://db failed: server closed the connection")

    def snapshot(self, lock: Lockfile) -> None:
        self.calls += 1
        raise StateBackendError("unreachable")


def test_a_failed_backend_stops_the_run_and_the_local_journal_goes_on_alone(tmp_path: Path) -> None:
    path = tmp_path / "c.lock.yaml"
    backend = _GoneBackend()
    journal = Journal(path, Lockfile(campaign="c"), backend)
    journal.put(_key(1), _record(1))
    with pytest.raises(MirrorLost) as stopped:
        journal.flush()
    assert isinstance(stopped.value, RunStopped) and "server closed the connection" in str(stopped.value)
    assert "next apply merges" in str(stopped.value)
    journal.put(_key(2), _record(2))  # a reply that was in flight
    journal.flush()
    journal.compact()
    assert backend.calls == 1 and set(lockfile.read(path, "c").jobs) == {_key(1), _key(2)}
