"""Real, playable MP4s for the sandbox: H.264, captions drawn with Pillow, cached by content."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import textwrap
import threading
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from runner.atomic import atomic_file
from runner.media.probe import ffmpeg_exe
from runner.sandbox import fonts
from runner.sandbox.docs_facts import tiktok as tiktok_facts

RENDERER_VERSION = 2  # part of the cache key: bump when frames change (2: every script drawn in a font that has it)
WORDS_PER_SECOND = 2.5  # about 150 words a minute, a plausible speaking rate
CHARS_PER_SECOND = 5.0  # scripts without spaces (Chinese, Japanese, Thai): characters spoken per second
MIN_SECONDS = tiktok_facts.REFRESH_INPUT_MIN_SECONDS  # so that every sandbox video can feed a refresh
MAX_SECONDS = tiktok_facts.REFRESH_INPUT_MAX_SECONDS
FPS = 5
SIZES = {"9:16": (360, 640), "16:9": (640, 360), "1:1": (480, 480), "4:5": (432, 540), "5:4": (540, 432)}
ENCODE_TIMEOUT_SECONDS = 120.0
SAMPLE_SCRIPT = "A sample source video served by the sandbox. Point a refresh at it to try the flow."
_render_lock = threading.Lock()  # one ffmpeg at a time: the machine is small and renders are cached


class RenderError(Exception):
    """ffmpeg could not make the video; the message says why."""


@dataclass(frozen=True)
class VideoSpec:
    """Everything a sandbox video shows; its digest is the cache key."""

    title: str  # the avatar's name, or what the video is
    script: str  # spoken text, drawn as captions over the video's length
    aspect_ratio: str = "9:16"
    marks: tuple[str, ...] = ()  # banners, e.g. a refresh's hook and holiday theme
    seed: str = ""  # varies the colours between videos
    label: str = ""  # small print in a corner, e.g. the video id

    def digest(self) -> str:
        """A content hash of the spec and the renderer version."""
        raw = json.dumps({**asdict(self), "v": RENDERER_VERSION}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


def spoken_seconds(script: str) -> float:
    """How long the script takes to say, within the refresh input limits (2-180 s)."""
    words = len(script.split())
    spaceless = sum(1 for ch in script if unicodedata.category(ch) == "Lo" and ord(ch) >= 0x2E80)
    seconds = max(words / WORDS_PER_SECOND, spaceless / CHARS_PER_SECOND)
    return round(min(MAX_SECONDS, max(MIN_SECONDS, seconds)), 1)


def default_cache_dir() -> Path:
    """Where rendered videos are kept: $XDG_CACHE_HOME/campaign/sandbox-videos (or ~/.cache/...)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "campaign" / "sandbox-videos"


def render(spec: VideoSpec, cache_dir: Path | None = None) -> Path:
    """The MP4 file for `spec`, rendered once and then served from the cache."""
    folder = cache_dir or default_cache_dir()
    target = folder / f"{spec.digest()}.mp4"
    if target.is_file():
        return target
    with _render_lock:
        if target.is_file():
            return target
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="sandbox-video-") as work:
            data = _encode(spec, Path(work))
        with atomic_file(target, mode="wb", durable=False) as out:
            out.write(data)
    return target


def _encode(spec: VideoSpec, work: Path) -> bytes:
    width, height = SIZES.get(spec.aspect_ratio, SIZES["9:16"])
    total = spoken_seconds(spec.script)
    chunks = _caption_chunks(spec.script, width)
    lines = []
    per_chunk = total / len(chunks)
    for index, chunk in enumerate(chunks):
        frame = work / f"f{index:04d}.png"
        _frame(spec, chunk, width, height, index, len(chunks)).save(frame)
        lines += [f"file '{frame.name}'", f"duration {per_chunk:.3f}"]
    # the concat demuxer ignores the last entry's duration: end on the last frame once more
    lines += [f"file 'f{len(chunks) - 1:04d}.png'", "duration 1"]
    (work / "frames.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = work / "out.mp4"
    command = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        "frames.txt",
        "-vf",
        f"fps={FPS}",
        "-t",
        f"{total:.2f}",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "stillimage",
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        "-y",
        output.name,
    ]
    try:
        done = subprocess.run(
            command,
            cwd=work,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=ENCODE_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot run ffmpeg: {exc}") from None
    if done.returncode != 0 or not output.is_file():
        raise RenderError(f"ffmpeg failed: {done.stderr.strip()[-300:]}")
    return output.read_bytes()


def _caption_chunks(script: str, width: int) -> list[str]:
    """The script cut into caption screens of a few short lines each."""
    columns = max(12, width // 16)
    lines = textwrap.wrap(" ".join(script.split()), columns) or [""]
    return ["\n".join(lines[i : i + 3]) for i in range(0, len(lines), 3)]


def _colour(seed: str, salt: str, lo: int, hi: int) -> tuple[int, int, int]:
    raw = hashlib.sha256((seed + salt).encode()).digest()
    return (lo + raw[0] % (hi - lo), lo + raw[1] % (hi - lo), lo + raw[2] % (hi - lo))


def _frame(spec: VideoSpec, caption: str, width: int, height: int, index: int, count: int) -> Image.Image:
    image = Image.new("RGB", (width, height), _colour(spec.seed or spec.title, "bg", 20, 90))
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    top = 12
    for mark in spec.marks:  # refresh banners: hook and holiday theme
        draw.rectangle((0, top, width, top + unit // 12), fill=(230, 60, 60))
        fonts.draw_lines(draw, width // 2, top + unit // 24, mark, unit // 20, "white", middle=True)
        top += unit // 12 + 6
    title = textwrap.fill(spec.title, max(10, width // 18))
    fonts.draw_lines(draw, width // 2, top + unit // 14, title, unit // 17, "white")
    # a simple figure stands in for the avatar
    cx, cy, r = width // 2, height // 2 - unit // 12, unit // 9
    skin, shirt = _colour(spec.title, "skin", 150, 240), _colour(spec.title, "shirt", 60, 220)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=skin)
    draw.rounded_rectangle((cx - 2 * r, cy + r + 6, cx + 2 * r, cy + 4 * r), radius=r // 2, fill=shirt)
    box_top = height - unit // 3 - 10
    draw.rectangle((0, box_top, width, height), fill=(0, 0, 0))
    fonts.draw_lines(draw, width // 2, box_top + 10, caption, unit // 22, "white", spacing=6)
    small = fonts.font(fonts.base_file(), unit // 32)
    draw.text((width - 8, height - 8), f"{index + 1}/{count}", font=small, fill=(160, 160, 160), anchor="rd")
    draw.text((8, height - 8), spec.label, font=small, fill=(160, 160, 160), anchor="ld")
    return image
