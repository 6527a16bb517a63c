"""Post-render checks over real files probed by the bundled ffmpeg."""

from __future__ import annotations

from pathlib import Path

from runner.api_facts import REFRESH_INPUT_MAX_BYTES
from runner.media.probe import VideoProbe, parse_ffmpeg_info
from runner.media.video_check import check_video, judge

from .conftest import MakeVideo


def test_a_playable_video_passes_with_its_duration_and_size(make_video: MakeVideo) -> None:
    check = check_video(make_video(3), feeds_refresh=True)
    assert check.ok, check.reason
    assert check.probe is not None
    assert abs(check.probe.duration_seconds - 3) < 0.2
    assert (check.probe.width, check.probe.height) == (90, 160)


def test_an_audio_only_file_has_no_video_track(make_video: MakeVideo) -> None:
    check = check_video(make_video(3, video=False))
    assert not check.ok
    assert check.reason == "no video track"


def test_text_named_mp4_is_not_a_readable_container(tmp_path: Path) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypisom sandbox video placeholder")
    check = check_video(fake)
    assert not check.ok
    assert check.reason.startswith("container not readable")


def test_a_truncated_video_is_not_readable(make_video: MakeVideo, tmp_path: Path) -> None:
    whole = make_video(3).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 3])
    assert check_video(cut).reason.startswith("container not readable")


def test_a_missing_file_fails_without_raising(tmp_path: Path) -> None:
    assert check_video(tmp_path / "gone.mp4").reason == "file not found"


def test_a_short_video_is_fine_alone_but_not_as_a_refresh_source(make_video: MakeVideo) -> None:
    short = make_video(1)
    assert check_video(short, feeds_refresh=False).ok
    reason = check_video(short, feeds_refresh=True).reason
    assert "2-180 s" in reason and "lasts 1.0 s" in reason


def test_refresh_limits_are_inclusive_and_size_is_checked() -> None:
    def probe(seconds: float) -> VideoProbe:
        return VideoProbe(duration_seconds=seconds, video_streams=1)

    assert judge(probe(2.0), 1000, feeds_refresh=True) == ""
    assert judge(probe(180.0), 1000, feeds_refresh=True) == ""
    assert "180" in judge(probe(180.5), 1000, feeds_refresh=True)
    assert judge(probe(30), REFRESH_INPUT_MAX_BYTES, feeds_refresh=True) == ""
    assert "70 MB" in judge(probe(30), REFRESH_INPUT_MAX_BYTES + 1, feeds_refresh=True)
    assert judge(probe(500), REFRESH_INPUT_MAX_BYTES * 2, feeds_refresh=False) == ""
    assert judge(probe(0), 10, feeds_refresh=False) == "duration is 0 s"


def test_parse_reads_duration_na_as_zero_and_ignores_cover_art() -> None:
    text = (
        "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':\n"
        "  Duration: N/A, start: 0.000000, bitrate: N/A\n"
        "  Stream #0:0[0x1](und): Audio: aac (LC), 44100 Hz, mono\n"
        "  Stream #0:1: Video: mjpeg (Baseline), yuvj420p, 300x300, 90k tbn (attached pic)\n"
    )
    assert parse_ffmpeg_info(text) == VideoProbe(duration_seconds=0.0, video_streams=0)
