"""Lockfile version 2: serial, lineage and world; version 1 files migrate on read."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import jsonschema
import pytest

from runner.atomic import StorageError, atomic_file
from runner.errors import LockfileError
from runner.lock import lockfile, records
from runner.lock.records import JobRecord, Lockfile
from runner.lock.world import Endpoint, World
from runner.paths import package_json

V1 = """# Written by `campaign apply`. Commit it; do not edit by hand.
{
  "version": 1,
  "campaign": "demo",
  "resolved_avatars": {"tiktok": {"Tom": "7295759871838797825"}},
  "jobs": {
    "av-00000000000000bb": {"kind": "avatar_video", "provider": "tiktok", "state": "succeeded",
                            "addresses": ["videos.promo[avatar=tom]"], "task_ids": ["t1"], "video_ids": ["v1"]}
  }
}
"""

WORLD = World(
    sandbox=False,
    providers={"tiktok": Endpoint("business-api.tiktok.com", "7001"), "heygen": Endpoint("api.heygen.com")},
)


def test_a_version_1_file_is_read_and_written_back_as_version_2(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock.yaml"
    path.write_text(V1)
    lock = lockfile.read(path, "demo")
    assert lock.jobs["av-00000000000000bb"].video_ids == ("v1",)
    assert lock.resolved_avatars == {"tiktok": {"Tom": "7295759871838797825"}}
    assert (lock.serial, lock.lineage, lock.world) == (0, "", None)
    written = lockfile.write(path, lock)
    data = json.loads(records._without_comments(path.read_text()))
    assert data["version"] == 2 and data["serial"] == 1 and data["lineage"] == written.lineage
    assert len(written.lineage) == 36
    assert lockfile.read(path, "demo").jobs == lock.jobs


def test_serial_counts_every_write_and_lineage_stays(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock.yaml"
    lock = lockfile.write(path, Lockfile(campaign="demo"))
    first_lineage = lock.lineage
    for _ in range(3):
        lock = lockfile.write(path, lock)
    again = lockfile.read(path, "demo")
    assert (again.serial, again.lineage) == (4, first_lineage)
    other = lockfile.write(tmp_path / "other.lock.yaml", Lockfile(campaign="demo"))
    assert other.lineage != first_lineage


def test_the_world_round_trips_and_matches_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock.yaml"
    lockfile.write(path, Lockfile(campaign="demo", world=WORLD))
    text = path.read_text()
    assert lockfile.read(path, "demo").world == WORLD
    data = json.loads(records._without_comments(text))
    assert data["world"] == {
        "sandbox": False,
        "providers": {
            "heygen": {"host": "api.heygen.com"},
            "tiktok": {"host": "business-api.tiktok.com", "advertiser_id": "7001"},
        },
    }
    jsonschema.Draft202012Validator(package_json("schemas", "lockfile.schema.json")).validate(data)
    assert records.dumps(records.loads(text)) == text


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("serial", -1, "serial"),
        ("serial", "3", "serial"),
        ("lineage", 5, "lineage"),
        ("world", {"sandbox": "no"}, "world.sandbox"),
        ("world", {"sandbox": False, "providers": {"tiktok": {"token": "x"}}}, "world.providers.tiktok"),
    ],
)
def test_bad_version_2_fields_are_named(field: str, value: object, where: str) -> None:
    data = {"version": 2, "campaign": "demo", "serial": 1, "jobs": {}, field: value}
    with pytest.raises(LockfileError, match=f"corrupt lockfile at {where}"):
        records.from_data(data, "x.lock.yaml")


def test_random_bytes_and_truncated_lockfiles_are_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock.yaml"
    path.write_bytes(os.urandom(512) + b"\xff\xfe")
    with pytest.raises(LockfileError, match="corrupt lockfile"):
        lockfile.read(path, "demo")
    lockfile.write(path, Lockfile(campaign="demo", world=WORLD))
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(LockfileError, match="restore it from git"):
        lockfile.read(path, "demo")


def test_a_lockfile_keeps_its_mode_and_a_new_one_gets_the_umask_default(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock.yaml"
    old = os.umask(0o022)
    try:
        lockfile.write(path, Lockfile(campaign="demo"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~0o022
    path.chmod(0o640)
    lockfile.write(path, Lockfile(campaign="demo"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_temp_files_left_by_a_killed_writer_are_removed_by_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock.yaml"
    lockfile.write(path, Lockfile(campaign="demo"))
    beside = tmp_path / ".demo.lock.yaml.abc123.tmp"  # what an older version left beside the file
    scratch = tmp_path / ".campaign" / "tmp" / ".demo.lock.yaml.def456.tmp"
    other = tmp_path / ".demo.lock.yaml.state-lock.json.ghi789.tmp"  # the state lock's record being written
    for leftover in (beside, scratch, other):
        leftover.write_text("{")
    lockfile.write(path, Lockfile(campaign="demo"))
    assert not beside.exists() and not scratch.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".campaign", other.name, "demo.lock.yaml"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_environment_errors_while_writing_are_storage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    path = tmp_path / "demo.lock.yaml"
    lockfile.write(path, Lockfile(campaign="demo"))
    before = path.read_bytes()
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(StorageError, match=f"cannot write {path}: {os.strerror(code)}"):
        lockfile.write(
            path,
            Lockfile(
                campaign="demo",
                jobs={
                    "av-0000000000000001": JobRecord(
                        kind="avatar_video", provider="tiktok", state="pending", addresses=("videos.a[avatar=x]",)
                    )
                },
            ),
        )
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert path.read_bytes() == before
    assert list(tmp_path.rglob("*.tmp")) == []


def test_atomic_file_does_not_create_folders_when_asked_not_to(tmp_path: Path) -> None:
    with (
        pytest.raises(StorageError, match="no folder .*missing"),
        atomic_file(tmp_path / "missing" / "x.plan", make_parents=False) as out,
    ):
        out.write("x")
    assert not (tmp_path / "missing").exists()


def test_the_count_of_retired_videos_is_optional_and_checked(tmp_path: Path) -> None:
    old = records.loads(V1, "old.lock.yaml")
    assert old.retired_videos == 0 and "retired_videos" not in records.dumps(old)  # older files load, unchanged
    counted = records.dumps(Lockfile(campaign="demo", retired_videos=7))
    assert records.loads(counted).retired_videos == 7
    data = json.loads(counted.split("\n", 2)[2])
    jsonschema.validate(data, package_json("schemas", "lockfile.schema.json"))
    with pytest.raises(LockfileError, match="retired_videos"):
        records.loads(counted.replace('"retired_videos": 7', '"retired_videos": -1'), "bad.lock.yaml")
