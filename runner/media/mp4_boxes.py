"""Read an MP4's duration, video tracks and frame size from its boxes, without starting ffmpeg.

Starting ffmpeg costs a process per file; a finished video's check reads only its `moov` box.
Anything unusual (no `moov`, a zero duration, fragments, a truncated box) returns None, and the
caller asks ffmpeg, whose words explain what is wrong.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

MOOV_MAX_BYTES = 64 * 1024 * 1024  # a larger index is left to ffmpeg


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each box between `start` and `end`; stops at a malformed one."""
    end = len(data) if end is None else end
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1 and at + 16 <= end:
            size, header = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            return
        yield kind, at + header, at + size
        at += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _boxes(data, start, end) if k == kind), None)


def _moov(stream: BinaryIO, file_size: int) -> bytes | None:
    """The `moov` box's payload, found by walking the top-level box headers."""
    at = 0
    while at + 8 <= file_size:
        stream.seek(at)
        head = stream.read(16)
        if len(head) < 8:
            return None
        size, kind = struct.unpack_from(">I4s", head)
        header = 8
        if size == 1 and len(head) == 16:
            size, header = struct.unpack_from(">Q", head, 8)[0], 16
        elif size == 0:
            size = file_size - at
        if size < header or at + size > file_size:
            return None
        if kind == b"moof":
            return None  # fragmented: the duration is spread over fragments
        if kind == b"moov":
            if size > MOOV_MAX_BYTES:
                return None
            stream.seek(at + header)
            payload = stream.read(size - header)
            return payload if len(payload) == size - header else None
        at += size
    return None


def _duration(data: bytes) -> float | None:
    found = _child(data, 0, len(data), b"mvhd")
    if found is None:
        return None
    start, end = found
    version = data[start]
    if version == 1 and start + 32 <= end:
        timescale, duration = struct.unpack_from(">IQ", data, start + 20)
    elif version == 0 and start + 20 <= end:
        timescale, duration = struct.unpack_from(">II", data, start + 12)
    else:
        return None
    return duration / timescale if timescale and duration else None


def _video_track(data: bytes, start: int, end: int) -> tuple[int, int] | None:
    """(width, height) of a `trak` whose handler is video, else None."""
    mdia = _child(data, start, end, b"mdia")
    hdlr = _child(data, *mdia, b"hdlr") if mdia else None
    if hdlr is None or hdlr[0] + 12 > hdlr[1] or data[hdlr[0] + 8 : hdlr[0] + 12] != b"vide":
        return None
    tkhd = _child(data, start, end, b"tkhd")
    if tkhd is None:
        return (0, 0)
    offset = tkhd[0] + (88 if data[tkhd[0]] == 1 else 76)
    if offset + 8 > tkhd[1]:
        return (0, 0)
    width, height = struct.unpack_from(">II", data, offset)
    return (width >> 16, height >> 16)


def read_mp4(path: Path) -> tuple[float, list[tuple[int, int]]] | None:
    """(duration in seconds, (width, height) of each video track), or None when ffmpeg should look instead."""
    try:
        with path.open("rb") as stream:
            moov = _moov(stream, path.stat().st_size)
    except OSError:
        return None
    if moov is None:
        return None
    duration = _duration(moov)
    if duration is None:
        return None
    tracks = [found for kind, s, e in _boxes(moov) if kind == b"trak" and (found := _video_track(moov, s, e))]
    return duration, tracks
