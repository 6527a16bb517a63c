"""Footage files on disk: is it a video a provider takes, and its digest (read in chunks, never whole)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from runner import api_facts as facts

CHUNK_BYTES = 3 * 256 * 1024  # a multiple of 3: each chunk encodes to base64 without padding

_VIDEO_MAGIC = (b"ftyp", b"\x1a\x45\xdf\xa3")


def media_type(path: Path) -> str | None:
    """The footage's media type from its suffix, or None when it is not a video type HeyGen takes."""
    return facts.HEYGEN_FOOTAGE_MEDIA_TYPES.get(path.suffix.lower())


def check_footage_file(path: Path) -> str | None:
    """A problem with a footage file (missing, not a video, too large), or None."""
    if not path.is_file():
        return f"footage file {path} does not exist; give a path relative to the campaign file"
    if media_type(path) is None:
        kinds = ", ".join(sorted(facts.HEYGEN_FOOTAGE_MEDIA_TYPES))
        return f"footage file {path.name} is not a video HeyGen takes; use one of {kinds}"
    size = path.stat().st_size
    if size > facts.HEYGEN_FOOTAGE_MAX_BYTES:
        return (
            f"footage file {path.name} is {size / 1024**3:.1f} GiB, over the {facts.HEYGEN_FOOTAGE_MAX_BYTES // 1024**3} "
            "GiB limit for inline footage; host it and give footage: {url: ...} instead"
        )
    with path.open("rb") as f:
        head = f.read(12)
    if head[4:8] != _VIDEO_MAGIC[0] and head[:4] != _VIDEO_MAGIC[1]:
        return f"footage file {path.name} is not a video (no MP4/QuickTime or WebM header)"
    return None


def file_sha256(path: Path) -> str:
    """The file's sha256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
