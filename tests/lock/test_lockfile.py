from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runner.atomic import StorageError
from runner.errors import LockfileError
from runner.lock import lockfile, records
from runner.lock.records import Artifact, JobError, JobRecord, Lockfile


def _sample() -> Lockfile:
    lock = Lockfile(campaign="winter-boots-2026")
    lock = lock.with_job(
        "av-00000000000000bb",
        JobRecord(
            kind="avatar_video",
            provider="tiktok",
            state="succeeded",
            addresses=("videos.promo[avatar=tom]", "videos.promo[avatar=isabelle]"),
            name="winter-boots-isabelle",
            task_ids=("t1",),
            video_ids=("v1",),
            attempts=1,
            artifacts=(Artifact(video_id="v1", path="artifacts/x/av.mp4", sha256="a" * 64, size=12),),
        ),
    )
    lock = lock.with_job(
        "rf-00000000000000aa",
        JobRecord(
            kind="refresh_video",
            provider="tiktok",
            state="failed",
            addresses=("refresh.hooks[holiday_theme=EASTER]",),
            error=JobError(code="40002", message="bad hook"),
            attempts=2,
        ),
    )
    return lock.with_resolution("tiktok", "Tom in blue shirt", "7295759871838797825")


def test_round_trip_is_lossless_and_byte_stable() -> None:
    lock = _sample()
    text = records.dumps(lock)
    again = records.loads(text)
    assert again.jobs["rf-00000000000000aa"].error == JobError(code="40002", message="bad hook")
    assert again.resolved_avatars == {"tiktok": {"Tom in blue shirt": "7295759871838797825"}}
    assert records.dumps(again) == text


def test_output_is_sorted_whatever_the_insertion_order() -> None:
    lock = _sample()
    reversed_lock = Lockfile(
        campaign=lock.campaign, jobs=dict(reversed(list(lock.jobs.items()))), resolved_avatars=lock.resolved_avatars
    )
    text = records.dumps(reversed_lock)
    assert text == records.dumps(lock)
    assert text.index("av-00000000000000bb") < text.index("rf-00000000000000aa")
    # addresses sorted, empty fields left out
    assert text.index("avatar=isabelle") < text.index("avatar=tom")
    assert "stock_video_id" not in text


def test_missing_file_reads_as_empty(tmp_path: Path) -> None:
    lock = lockfile.read(tmp_path / "x.lock.yaml", "demo")
    assert lock.jobs == {} and lock.campaign == "demo"


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "c.lock.yaml"
    lockfile.write(path, _sample())
    lockfile.write(path, _sample().without_jobs({"rf-00000000000000aa"}))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".campaign", "c.lock.yaml"]
    assert list((tmp_path / ".campaign").rglob("*.tmp")) == []
    assert set(lockfile.read(path, "winter-boots-2026").jobs) == {"av-00000000000000bb"}


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.lock.yaml"
    lockfile.write(path, _sample())
    before = path.read_bytes()

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(StorageError, match="c.lock.yaml: disk full; nothing was changed"):
        lockfile.write(path, Lockfile(campaign="winter-boots-2026"))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".campaign", "c.lock.yaml"]
    assert list((tmp_path / ".campaign").rglob("*.tmp")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\ncampaign: [unclosed\n", "x.lock.yaml:3:1: corrupt lockfile (not valid YAML)"),
        ("- a\n- b\n", "not a lockfile"),
        (
            "version: 1\ncampaign: c\njobs:\n  av-0000000000000001: {kind: avatar_video, provider: tiktok, state: done, addresses: []}\n",
            "corrupt lockfile at jobs.av-0000000000000001.state",
        ),
        (
            "version: 1\ncampaign: c\njobs:\n  nonsense: {kind: avatar_video, provider: tiktok, state: failed, addresses: []}\n",
            "corrupt lockfile",
        ),
        ("version: 7\ncampaign: c\njobs: {}\n", "lockfile version 7 was written by a newer campaign; upgrade campaign"),
    ],
)
def test_bad_lockfiles_get_one_clear_message(text: str, expected: str) -> None:
    with pytest.raises(LockfileError) as info:
        records.loads(text, "x.lock.yaml")
    assert expected in str(info.value)
    assert str(info.value).startswith("x.lock.yaml")


def test_lockfile_of_another_campaign_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.lock.yaml"
    lockfile.write(path, _sample())
    with pytest.raises(LockfileError, match="belongs to campaign 'winter-boots-2026', not 'other'"):
        lockfile.read(path, "other")


def test_digest_changes_with_content(tmp_path: Path) -> None:
    path = tmp_path / "c.lock.yaml"
    empty = lockfile.digest_of_file(path)
    lockfile.write(path, _sample())
    assert lockfile.digest_of_file(path) != empty


def test_output_is_yaml_and_block_yaml_is_still_read() -> None:
    lock = _sample()
    text = records.dumps(lock)
    import yaml

    data = yaml.safe_load(text)
    assert data == json.loads(json.dumps(records.to_data(lock)))
    block = yaml.safe_dump(data, sort_keys=False)
    assert records.dumps(records.loads(block)) == text


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r", "\u2028", "\x0c", "\x85"])
def test_header_comments_end_at_any_line_break_and_the_json_body_is_read(line_end: str) -> None:
    body = records.dumps(_sample()).removeprefix(records.HEADER)
    text = f"# one{line_end}   {line_end}# two{line_end}{body}"
    assert records.loads(text) == records.loads(records.dumps(_sample()))


def test_a_comment_that_runs_on_past_a_unicode_line_break_is_no_longer_a_comment() -> None:
    body = records.dumps(_sample()).removeprefix(records.HEADER)
    # str.splitlines cuts at U+2028: what follows it is a line of its own, read as the start of the body.
    with pytest.raises(LockfileError, match="corrupt lockfile"):
        records.loads(f"# header\u2028not json\n{body}")


def _damaged(change: str) -> str:
    """The sample lockfile's JSON text with one thing changed, as a hand edit or a bad merge leaves it."""
    data = records.to_data(_sample())
    job = data["jobs"]["av-00000000000000bb"]
    if change == "unknown field":
        job["vidoe_ids"] = ["v2"]
    elif change == "unknown artifact field":
        job["artifacts"][0]["url"] = "https://x"
    elif change == "attempts true":
        job["attempts"] = True
    elif change == "serial negative":
        data["serial"] = -1
    elif change == "video id a number":
        job["video_ids"] = [7]
    elif change == "unknown kind":
        job["kind"] = "hologram"
    elif change == "bad key":
        data["jobs"]["nonsense"] = data["jobs"].pop("av-00000000000000bb")
    elif change == "world bad":
        data["world"] = {"sandbox": "yes", "providers": {}}
    elif change == "error without message":
        data["jobs"]["rf-00000000000000aa"]["error"] = {"code": "1"}
    return records.HEADER + json.dumps(data, indent=2)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ("unknown field", "jobs.av-00000000000000bb"),
        ("unknown artifact field", "jobs.av-00000000000000bb.artifacts.0"),
        ("attempts true", "jobs.av-00000000000000bb.attempts"),
        ("serial negative", "serial"),
        ("video id a number", "jobs.av-00000000000000bb.video_ids.0"),
        ("unknown kind", "jobs.av-00000000000000bb.kind"),
        ("bad key", "jobs"),
        ("world bad", "world.sandbox"),
        ("error without message", "jobs.rf-00000000000000aa.error"),
    ],
)
def test_a_damaged_json_lockfile_is_refused_at_the_place_that_is_wrong(change: str, where: str) -> None:
    with pytest.raises(LockfileError) as info:
        records.loads(_damaged(change), "x.lock.yaml")
    assert str(info.value).startswith(f"x.lock.yaml: corrupt lockfile at {where}: "), str(info.value)
    assert str(info.value).endswith("; restore it from git")
