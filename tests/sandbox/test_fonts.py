"""Sandbox frames draw Japanese, Chinese, Korean and Hindi with fonts that have their glyphs, not boxes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.sandbox import video
from runner.sandbox.video import VideoSpec

WIDTH, HEIGHT = 360, 640
SAMPLES = {"japanese": ("東", "京"), "hindi": ("क", "ख"), "korean": ("한", "국"), "chinese": ("鞋", "靴")}


def _installed(char: str) -> bool:
    """Whether any installed font has `char` (fontconfig, else the Debian paths .ci/run installs)."""
    fc_list = shutil.which("fc-list")
    if fc_list is not None:
        listed = subprocess.run([fc_list, f":charset={ord(char):x}", "file"], capture_output=True, text=True)
        return bool(listed.stdout.strip())
    return any(
        Path(p).is_file()
        for p in (
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
            "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
        )
    )


def _caption(text: str) -> bytes:
    """The pixels of the caption box of a frame that shows `text`."""
    image = video._frame(VideoSpec(title="Fonts", script=text), text, WIDTH, HEIGHT, 0, 1)
    return image.crop((0, HEIGHT - min(WIDTH, HEIGHT) // 3 - 10, WIDTH, HEIGHT - 30)).tobytes()


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_two_characters_of_a_script_draw_differently(script: str) -> None:
    """With a font lacking them both show its missing-glyph box: the same pixels."""
    first, second = SAMPLES[script]
    if not (_installed(first) and _installed(second)):
        pytest.skip(f"no installed font has {script} glyphs (CI installs fonts-noto-cjk and fonts-noto-core)")
    assert _caption(first) != _caption(second)
    assert _caption(first) != _caption("\U0010fffd")  # nor is either the box of a glyph no font has


def test_a_frame_with_japanese_and_hindi_side_by_side_draws_both() -> None:
    if not (_installed("東") and _installed("क")):
        pytest.skip("no installed font has Japanese or Hindi glyphs (CI installs fonts-noto-cjk and fonts-noto-core)")
    assert _caption("東 क") != _caption("京 क") != _caption("京 ख")


@pytest.fixture
def no_fonts_but_the_base(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from runner.sandbox import fonts

    monkeypatch.setattr(fonts, "KNOWN_FILES", ())
    monkeypatch.setattr(fonts, "_fontconfig_file", lambda char: None)
    monkeypatch.setattr(fonts, "_chain", [])
    monkeypatch.setattr(fonts, "_noted", set())
    fonts.file_for.cache_clear()
    yield
    fonts.file_for.cache_clear()


def test_without_such_a_font_the_frame_is_drawn_and_a_note_says_so_once(
    no_fonts_but_the_base: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from runner.sandbox import fonts

    if fonts.base_file() is None or fonts.has_glyph(fonts.base_file() or "", "東"):
        pytest.skip("the base font is missing, or has CJK glyphs itself")
    assert _caption("東京") == _caption("京東")  # boxes: the same pixels
    err = capsys.readouterr().err
    assert err.count("sandbox: no installed font has '東' (U+6771)") == 1
    assert "fonts-noto-cjk" in err
