"""Twin footage: checked before anything is sent, and streamed as base64 without holding the file in memory."""

from __future__ import annotations

import base64
import json
import tracemalloc
from pathlib import Path

from runner import api_facts as facts
from runner.media.footage import check_footage_file
from runner.providers.footage import FootageFile, twin_body_chunks

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42"


def test_a_large_file_streams_in_chunks_and_decodes_to_the_same_bytes(tmp_path: Path) -> None:
    footage = tmp_path / "big.mp4"
    with footage.open("wb") as f:
        f.write(MP4_HEAD)
        for i in range(40):
            f.write(bytes([i]) * 1_000_000)  # 40 MB
    tracemalloc.start()
    total, pieces = 0, []
    for chunk in twin_body_chunks("Dana~0123456789", FootageFile(footage), None):
        total += len(chunk)
        if len(pieces) < 2 or chunk.endswith(b"}}"):
            pieces.append(chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5_000_000, peak  # one chunk at a time, never the 40 MB file (let alone two copies)
    assert total > 40_000_000 * 4 // 3
    small = tmp_path / "small.mp4"
    small.write_bytes(MP4_HEAD + b"frames" * 1000)
    body = json.loads(b"".join(twin_body_chunks("Dana~0123456789", FootageFile(small), "group_1")))
    assert body["type"] == "digital_twin" and body["avatar_group_id"] == "group_1"
    assert body["file"]["media_type"] == "video/mp4" and base64.b64decode(body["file"]["data"]) == small.read_bytes()


def test_footage_files_are_checked_with_a_way_forward(tmp_path: Path) -> None:
    assert "does not exist" in str(check_footage_file(tmp_path / "missing.mp4"))
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert "not a video HeyGen takes" in str(check_footage_file(text))
    fake = tmp_path / "fake.mp4"
    fake.write_text("not a video, only a name")
    assert "not a video" in str(check_footage_file(fake))
    huge = tmp_path / "huge.mp4"
    with huge.open("wb") as f:
        f.write(MP4_HEAD)
        f.truncate(facts.HEYGEN_FOOTAGE_MAX_BYTES + 1)  # sparse: no disk used
    message = str(check_footage_file(huge))
    assert "limit" in message and "footage: {url:" in message
    good = tmp_path / "good.mov"
    good.write_bytes(MP4_HEAD + b"x" * 100)
    assert check_footage_file(good) is None
