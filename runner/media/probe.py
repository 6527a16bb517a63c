"""Read a video file's container facts with the ffmpeg binary that imageio-ffmpeg ships."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from runner.media.mp4_boxes import read_mp4

PROBE_TIMEOUT_SECONDS = 60.0

_DURATION = re.compile(r"^\s*Duration:\s*(?:(\d+):(\d+):(\d+(?:\.\d+)?)|N/A)", re.MULTILINE)
_VIDEO_STREAM = re.compile(r"^\s*Stream #\d+:\d+.*?: Video: (.*)$", re.MULTILINE)
_SIZE = re.compile(r"\b(\d{2,5})x(\d{2,5})\b")


class ProbeError(Exception):
    """The file could not be read as a media container; the message says why."""


@dataclass(frozen=True, slots=True)
class VideoProbe:
    """What ffmpeg reports about a file."""

    duration_seconds: float
    video_streams: int
    width: int | None = None
    height: int | None = None


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg (never downloaded at run time)."""
    import imageio_ffmpeg  # type: ignore[import-untyped]

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def parse_ffmpeg_info(text: str) -> VideoProbe:
    """Turn the stderr of `ffmpeg -i FILE` into a VideoProbe, or raise ProbeError."""
    if "Input #0" not in text:
        raise ProbeError(_last_error_line(text))
    duration = 0.0
    match = _DURATION.search(text)
    if match is not None and match.group(1) is not None:
        hours, minutes, seconds = match.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    streams = [line for line in _VIDEO_STREAM.findall(text) if "attached pic" not in line]
    width = height = None
    if streams:
        size = _SIZE.search(streams[0])
        if size is not None:
            width, height = int(size.group(1)), int(size.group(2))
    return VideoProbe(duration_seconds=duration, video_streams=len(streams), width=width, height=height)


def probe_video(path: Path) -> VideoProbe:
    """Probe `path` from its MP4 boxes, else with `ffmpeg -i`; ProbeError when it is missing or not readable."""
    if not path.is_file():
        raise ProbeError("file not found")
    boxes = read_mp4(path)
    if boxes is not None:
        duration, tracks = boxes
        width, height = tracks[0] if tracks else (None, None)
        return VideoProbe(duration, len(tracks), width or None, height or None)
    try:
        # `ffmpeg -i` with no output exits 1 by design; its stderr holds the container facts.
        done = subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ProbeError(f"ffmpeg did not read the file within {PROBE_TIMEOUT_SECONDS:.0f} s") from None
    except OSError as exc:
        raise ProbeError(f"cannot run ffmpeg: {exc.strerror}") from None
    return parse_ffmpeg_info(done.stderr)


def _last_error_line(text: str) -> str:
    if "moov atom not found" in text:
        return "container not readable (moov atom not found: truncated, or not an MP4)"
    if "Invalid data found" in text:
        return "container not readable (invalid data)"
    return "container not readable"
