"""What a plan and an apply count as downloaded: a regular file of the recorded size, at the recorded path."""

from __future__ import annotations

from pathlib import Path

from runner.execute.artifacts import artifact_ok, needs_downloads
from runner.lock.records import Artifact, JobRecord, Lockfile


def _artifact(path: str, size: int = 5) -> Artifact:
    return Artifact(video_id="v1", path=path, sha256="0" * 64, size=size)


def test_only_a_regular_file_of_the_recorded_size_counts(tmp_path: Path) -> None:
    (tmp_path / "a.mp4").write_bytes(b"12345")
    (tmp_path / "folder.mp4").mkdir()
    assert artifact_ok(_artifact("a.mp4"), tmp_path)
    assert not artifact_ok(_artifact("a.mp4", size=6), tmp_path)
    assert not artifact_ok(_artifact("missing.mp4"), tmp_path)
    assert not artifact_ok(_artifact("folder.mp4"), tmp_path)
    assert not artifact_ok(_artifact("a.mp4/inside.mp4"), tmp_path)  # a file where a folder should be
    assert not artifact_ok(_artifact("bad\0name.mp4"), tmp_path)


def test_a_plan_names_the_succeeded_jobs_whose_videos_are_not_all_on_disk(tmp_path: Path) -> None:
    (tmp_path / "a.mp4").write_bytes(b"12345")
    done = JobRecord("avatar_video", "tiktok", "succeeded", ("videos.g[a]",), video_ids=("v1",))
    lock = Lockfile(
        campaign="c",
        jobs={
            "av-00000000000000aa": JobRecord(**{**_fields(done), "artifacts": (_artifact("a.mp4"),)}),
            "av-00000000000000bb": done,  # never downloaded
            "av-00000000000000cc": JobRecord(**{**_fields(done), "artifacts": (_artifact("gone.mp4"),)}),
            "av-00000000000000dd": JobRecord(**{**_fields(done), "state": "failed"}),
            "up-00000000000000ee": JobRecord("upload", "tiktok", "succeeded", ("x",), video_ids=("v9",)),
        },
    )
    assert needs_downloads(lock, tmp_path) == ["av-00000000000000bb", "av-00000000000000cc"]


def _fields(record: JobRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__slots__}  # type: ignore[attr-defined]
