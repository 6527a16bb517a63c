"""TikTok's notices are asked for only when a run uploads to TikTok or downloads TikTok-made videos."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runner.apply.notices import Notice, notices_for
from runner.sandbox.server import SandboxServer

HEYGEN_ONLY = """\
version: 1
campaign: heygen-only
provider: heygen
avatars:
  ava: {id: look_0001_1}
scripts:
  hello: {text: "Hello from Northwind Boots."}
videos:
  - id: promo
    avatars: [ava]
    scripts: [hello]
    voice: voice_0001
"""


def test_each_notice_follows_what_is_sent_to_or_taken_from_tiktok() -> None:
    assert notices_for(["upload", "refresh_video"], ["refresh_video"]) == [Notice.UPLOAD, Notice.DOWNLOAD]
    assert notices_for(["avatar_video"], []) == []  # downloads off
    assert notices_for(["avatar_video"], ["avatar_video"]) == [Notice.DOWNLOAD]
    assert notices_for(["heygen_video"], ["heygen_video"]) == []
    assert notices_for([], ["heygen_video", "refresh_video"]) == [Notice.DOWNLOAD]  # a TikTok video to fetch again


def test_a_heygen_only_campaign_applies_without_tiktoks_notices(tmp_path: Path, sandbox: SandboxServer) -> None:
    spec = tmp_path / "heygen-only.yaml"
    spec.write_text(HEYGEN_ONLY)
    result = subprocess.run(
        [sys.executable, "-m", "runner", "apply", str(spec), "--yes"],
        stdin=subprocess.DEVNULL,
        env={**os.environ, **sandbox.env()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "notice" not in result.stderr.lower() and "TikTok" not in result.stderr
    assert list((tmp_path / "artifacts" / "heygen-only").glob("hg-*.mp4"))  # it did download the video
