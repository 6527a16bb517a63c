"""Reading an MP4's facts from its boxes agrees with ffmpeg, and leaves anything unusual to it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from runner.media.mp4_boxes import read_mp4
from runner.media.probe import ffmpeg_exe, parse_ffmpeg_info

from .conftest import MakeVideo


def ffmpeg_says(path: Path) -> tuple[float, int, int | None, int | None]:
    text = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    probe = parse_ffmpeg_info(text)
    return probe.duration_seconds, probe.video_streams, probe.width, probe.height


def test_duration_tracks_and_size_match_ffmpeg(make_video: MakeVideo) -> None:
    for path in (make_video(3), make_video(2.5, audio=False), make_video(3, video=False)):
        found = read_mp4(path)
        assert found is not None
        duration, tracks = found
        expected = ffmpeg_says(path)
        assert abs(duration - expected[0]) < 0.05
        assert len(tracks) == expected[1]
        if tracks:
            assert tracks[0] == (expected[2], expected[3]) == (90, 160)


def test_the_index_is_found_before_or_after_the_media(make_video: MakeVideo, tmp_path: Path) -> None:
    source = make_video(3)
    moved = tmp_path / "faststart.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(source),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            str(moved),
        ],
        check=True,
    )
    assert read_mp4(moved) == read_mp4(source)


def test_anything_unusual_is_left_to_ffmpeg(make_video: MakeVideo, tmp_path: Path) -> None:
    whole = make_video(3).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 3])
    text = tmp_path / "text.mp4"
    text.write_bytes(b"\x00\x00\x00\x18ftypisom sandbox video placeholder")
    assert read_mp4(cut) is None
    assert read_mp4(text) is None
    assert read_mp4(tmp_path / "missing.mp4") is None
