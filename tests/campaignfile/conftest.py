from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SpecWriter = Callable[[str], Path]


@pytest.fixture
def write_spec(tmp_path: Path) -> SpecWriter:
    """Write a campaign file into a temp dir and return its path."""

    def write(text: str, name: str = "c.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
