"""Post-render checks: is a downloaded video playable, and fit to feed a refresh?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.api_facts import REFRESH_INPUT_MAX_BYTES, REFRESH_INPUT_MAX_SECONDS, REFRESH_INPUT_MIN_SECONDS
from runner.media.probe import ProbeError, VideoProbe, probe_video


@dataclass(frozen=True, slots=True)
class VideoCheck:
    """The verdict on one file: `reason` is empty when it passed."""

    reason: str = ""
    probe: VideoProbe | None = None

    @property
    def ok(self) -> bool:
        """True when the video passed every check."""
        return not self.reason


def judge(probe: VideoProbe, size_bytes: int, feeds_refresh: bool) -> str:
    """The reason a probed video fails its checks, or "" when it passes (pure)."""
    if probe.video_streams == 0:
        return "no video track"
    if probe.duration_seconds <= 0:
        return "duration is 0 s"
    if not feeds_refresh:
        return ""
    if not REFRESH_INPUT_MIN_SECONDS <= probe.duration_seconds <= REFRESH_INPUT_MAX_SECONDS:
        return (
            f"lasts {probe.duration_seconds:.1f} s; a refresh source must last "
            f"{REFRESH_INPUT_MIN_SECONDS:g}-{REFRESH_INPUT_MAX_SECONDS:g} s"
        )
    if size_bytes > REFRESH_INPUT_MAX_BYTES:
        return (
            f"is {size_bytes / 1_000_000:.1f} MB; a refresh source must be at most "
            f"{REFRESH_INPUT_MAX_BYTES / 1_000_000:g} MB"
        )
    return ""


def check_video(path: Path, feeds_refresh: bool = False) -> VideoCheck:
    """Probe a downloaded video and judge it; never raises for a bad file."""
    try:
        probe = probe_video(path)
        size = path.stat().st_size
    except ProbeError as exc:
        return VideoCheck(reason=str(exc))
    except OSError as exc:
        return VideoCheck(reason=f"cannot read the file: {exc.strerror}")
    return VideoCheck(reason=judge(probe, size, feeds_refresh), probe=probe)
