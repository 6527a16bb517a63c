"""Real test videos, made with the ffmpeg binary that imageio-ffmpeg ships."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.media.probe import ffmpeg_exe

MakeVideo = Callable[..., Path]


@pytest.fixture(scope="session")
def make_video(tmp_path_factory: pytest.TempPathFactory) -> MakeVideo:
    """Return a maker of small MP4s: `make_video(seconds, video=True, audio=True)`."""
    folder = tmp_path_factory.mktemp("videos")

    def make(seconds: float, video: bool = True, audio: bool = True) -> Path:
        target = folder / f"v{seconds}-{int(video)}{int(audio)}.mp4"
        if target.exists():
            return target
        args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
        if video:
            args += ["-f", "lavfi", "-i", f"color=c=navy:s=90x160:r=10:d={seconds}"]
        if audio:
            args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
        if video:
            args += ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
        if audio:
            args += ["-c:a", "aac"]
        subprocess.run([*args, str(target)], check=True)
        return target

    return make
