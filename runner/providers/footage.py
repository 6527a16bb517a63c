"""Training footage for a HeyGen digital twin: a URL, or a local file sent as streamed base64."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from runner.media.footage import CHUNK_BYTES, media_type


@dataclass(frozen=True, slots=True)
class FootageUrl:
    """Footage the provider fetches itself."""

    url: str


@dataclass(frozen=True, slots=True)
class FootageFile:
    """Footage read from disk and sent inline."""

    path: Path


FootageSource = FootageUrl | FootageFile


def twin_body_chunks(name: str, source: FootageFile, group_id: str | None) -> Iterator[bytes]:
    """The JSON body of a twin create, with the file base64-encoded chunk by chunk (one chunk in memory)."""
    head: dict[str, object] = {"type": "digital_twin", "name": name}
    if group_id is not None:
        head["avatar_group_id"] = group_id
    prefix = json.dumps(head)[:-1] + ', "file": {"type": "base64", "media_type": '
    yield (prefix + json.dumps(media_type(source.path) or "video/mp4") + ', "data": "').encode()
    with source.path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            yield base64.b64encode(chunk)
    yield b'"}}'
