"""Downloads never silently go missing: an expired URL is fetched again by a fresh one, and what is still
missing is named (apply exits 1); URLs that cannot be renewed go first."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner.apply.summary import exit_code
from runner.clock import RealClock
from runner.execute import artifacts
from runner.execute.downloads import DownloadQueue
from runner.execute.engine import ApplyResult, ExecuteOptions, Providers, execute
from runner.plan.make import make_plan
from runner.providers.config import settings_from_env
from runner.providers.tiktok import TikTokClient
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer
from tests.apply.conftest import campaign_text


def expire(times: int, monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """Each video's first `times` downloads answer 403 (its signed URL expired); the downloads tried, by video."""
    tried: collections.Counter[str] = collections.Counter()
    real = artifacts.download

    def download(url: str, target: Path, relative_to: Path, video_id: str, http: httpx.Client) -> Any:
        tried[video_id] += 1
        if tried[video_id] <= times:
            raise httpx.HTTPStatusError("expired", request=httpx.Request("GET", url), response=httpx.Response(403))
        return real(url, target, relative_to, video_id, http)

    monkeypatch.setattr(artifacts, "download", download)
    return tried


def apply(tmp_path: Path) -> ApplyResult:
    spec = tmp_path / "c.yaml"
    spec.write_text(campaign_text("dl", avatars=2, scripts=3))
    planned = make_plan(spec)
    with SandboxServer(SandboxConfig(speed=0.002, seed=4)) as sandbox:
        client = TikTokClient(settings_from_env(sandbox.env()), clock=RealClock())
        try:
            return execute(
                planned.plan,
                planned.lock,
                planned.lock_path,
                Providers({"tiktok": client}),
                ExecuteOptions(artifacts_dir=tmp_path / "videos"),
                clock=RealClock(),
            )
        finally:
            client.close()


def test_an_expired_url_is_fetched_again_by_a_fresh_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tried = expire(1, monkeypatch)
    result = apply(tmp_path)
    assert len(result.succeeded) == 6 and not result.undownloaded and exit_code(result) == 0
    assert sorted(tried.values()) == [2] * 6
    assert len(list((tmp_path / "videos").glob("*.mp4"))) == 6


def test_videos_still_missing_are_named_with_why_and_apply_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tried = expire(99, monkeypatch)
    result = apply(tmp_path)
    assert len(result.succeeded) == 6
    assert sorted(result.undownloaded) == sorted(result.succeeded)
    assert set(result.undownloaded.values()) == {"the download URL answered HTTP 403"}
    assert exit_code(result) == 1
    assert sorted(tried.values()) == [3] * 6  # the first URL and two fresh ones, then the next apply


def test_urls_that_cannot_be_renewed_are_downloaded_first() -> None:
    queue = DownloadQueue(enabled=True)
    queue.video("av-1", "v1", "u1")
    queue.video("rf-1", "v2", "u2", renewable=False)
    queue.video("av-2", "v3", "u3")
    assert [queue.next_video()[0] for _ in range(3)] == ["rf-1", "av-1", "av-2"]
    assert not queue.pending()
