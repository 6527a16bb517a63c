"""Fonts for the sandbox's frames: each character drawn in the first font on the machine that has its glyph.

DejaVu draws Latin, Greek and Cyrillic; Japanese, Chinese, Korean and Hindi need other fonts (Debian's
fonts-noto-cjk and fonts-noto-core, which .ci/run installs). fontconfig (`fc-match`) names a font for a
character the fonts in use lack; without fontconfig, the known Noto paths are tried. When no installed
font has a character, it is drawn in the base font (the font's missing-glyph box) and the sandbox says
so once, on stderr. Nothing is downloaded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from PIL import ImageDraw, ImageFont

BASE_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
# Where Debian's fonts-noto-cjk and fonts-noto-core keep the fonts of the scripts DejaVu lacks.
KNOWN_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
)
_UNDRAWN = "\U0010fffd"  # a private-use character no font draws: how a font shows a glyph it lacks
_PROBE_SIZE = 24
_FC_TIMEOUT_SECONDS = 10.0

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
_chain: list[str] = []  # font files in use, the base first; a file is added when a character needs it
_noted: set[str] = set()  # characters already reported as drawn in no installed font


def base_file() -> str | None:
    """The first installed base font, or None (then Pillow's own font)."""
    return next((path for path in BASE_FILES if Path(path).is_file()), None)


@cache
def font(path: str | None, size: int) -> Font:
    """The font of `path` at `size` (Pillow's own font for None)."""
    return ImageFont.load_default(size=size) if path is None else ImageFont.truetype(path, size)


def _mask(face: Font, char: str) -> tuple[tuple[float, ...], bytes]:
    return face.getbbox(char), bytes(face.getmask(char))


@cache
def _probe(path: str) -> ImageFont.FreeTypeFont:
    # Without text shaping: a shaper draws a lone mark on a dotted circle, which is not the missing-glyph box.
    return ImageFont.truetype(path, _PROBE_SIZE, layout_engine=ImageFont.Layout.BASIC)


@cache
def has_glyph(path: str, char: str) -> bool:
    """Whether the font draws `char` otherwise than as the box of a glyph it lacks."""
    face = _probe(path)
    return char.isspace() or _mask(face, char) != _mask(face, _UNDRAWN)


def _joins(char: str) -> bool:
    """A mark or joiner: drawn in its base character's font, in one piece with it, so that it is shaped."""
    return unicodedata.category(char).startswith("M") or char in "\u200c\u200d"


def _fontconfig_file(char: str) -> str | None:
    """The file fontconfig matches for a sans-serif font with `char`, or None."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        done = subprocess.run(
            [fc_match, "-f", "%{file}", f"sans-serif:charset={ord(char):x}"],
            capture_output=True,
            text=True,
            timeout=_FC_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _candidates(char: str) -> Iterator[str]:
    found = _fontconfig_file(char)
    if found is not None:
        yield found
    yield from (path for path in KNOWN_FILES if Path(path).is_file())


@cache
def file_for(char: str) -> str | None:
    """The font file that draws `char`: one in use, else a new one; the base font when none is installed."""
    base = base_file()
    if base is None:
        return None
    if not _chain:
        _chain.append(base)
    for path in _chain:
        if has_glyph(path, char):
            return path
    for path in _candidates(char):
        if Path(path).is_file() and has_glyph(path, char):
            _chain.append(path)
            return path
    if char not in _noted:
        _noted.add(char)
        sys.stderr.write(
            f"sandbox: no installed font has {char!r} (U+{ord(char):04X}); frames show a box for it "
            "(on Debian: apt-get install fonts-noto-cjk fonts-noto-core)\n"
        )
    return base


def runs(text: str) -> list[tuple[str, str | None]]:
    """`text` cut into (piece, font file) runs: consecutive characters drawn by the same font."""
    out: list[tuple[str, str | None]] = []
    for char in text:
        if out and _joins(char):
            out[-1] = (out[-1][0] + char, out[-1][1])
            continue
        path = file_for(char)
        if out and out[-1][1] == path:
            out[-1] = (out[-1][0] + char, path)
        else:
            out.append((char, path))
    return out


def _metrics(pieces: list[tuple[str, str | None]], size: int) -> tuple[int, int]:
    """(ascent, descent) of a line: the largest of its fonts'."""
    faces = [font(path, size) for _, path in pieces] or [font(base_file(), size)]
    measured = [face.getmetrics() for face in faces if isinstance(face, ImageFont.FreeTypeFont)]
    if not measured:
        return size, size // 4
    return max(a for a, _ in measured), max(d for _, d in measured)


def draw_lines(
    draw: ImageDraw.ImageDraw,
    centre_x: int,
    y: int,
    text: str,
    size: int,
    fill: str | tuple[int, int, int],
    *,
    spacing: int = 4,
    middle: bool = False,
) -> None:
    """Draw `text` centred on `centre_x`, its top at `y` (or its middle, with `middle`), each character in a font that has it."""
    lines = [runs(line) for line in text.split("\n")]
    metrics = [_metrics(line, size) for line in lines]
    if middle:
        y -= (sum(a + d for a, d in metrics) + spacing * (len(lines) - 1)) // 2
    for pieces, (ascent, descent) in zip(lines, metrics, strict=True):
        widths = [font(path, size).getlength(piece) for piece, path in pieces]
        x = centre_x - sum(widths) / 2
        for (piece, path), width in zip(pieces, widths, strict=True):
            draw.text((x, y + ascent), piece, font=font(path, size), fill=fill, anchor="ls")
            x += width
        y += ascent + descent + spacing
