"""Downloads of finished videos, and of those a previous run could not fetch."""

from __future__ import annotations

import concurrent.futures as cf
from functools import partial
from pathlib import Path
from typing import Any

from runner.execute import artifacts
from runner.execute.core import EngineCore
from runner.lock.lockfile import Artifact, Lockfile
from runner.providers.errors import AuthError



def needs_downloads(lock: Lockfile, lock_dir: Path) -> list[str]:
    """Succeeded jobs whose videos are not all on disk."""
    missing = []
    for key, record in lock.jobs.items():
        if record.state != "succeeded" or record.kind == "upload":
            continue
        have = {a.video_id for a in record.artifacts if artifacts.artifact_ok(a, lock_dir)}
        if any(v not in have for v in record.video_ids):
            missing.append(key)
    return sorted(missing)



class Downloads(EngineCore):
    """Artifacts: each finished video downloaded at once, missing ones fetched again."""

    def launch_downloads(self) -> None:
        folder = self.options.artifacts_dir
        if folder is None:
            self.downloads.clear()
            self.fresh_url_wanted.clear()
            return
        while self.fresh_url_wanted and self.room():
            key = self.fresh_url_wanted.pop()
            record = self.journal.record(key)
            assert record is not None
            self.submit(partial(self.fresh_urls, record), partial(self.on_missing_fetched, key))
        while self.downloads and self.room():
            key, video_id, url = self.downloads.pop(0)
            target = artifacts.artifact_path(folder, key, video_id)
            self.download_requests += 1
            self.submit(partial(artifacts.download, url, target, self.lock_dir, video_id, self.http),
                        partial(self.on_downloaded, key))

    def on_missing_fetched(self, key: str, future: cf.Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            if isinstance(exc, AuthError):
                raise exc
            self.reporter.job_event(key, "download failed", str(exc))
            return
        record = self.journal.record(key)
        have = {a.video_id for a in record.artifacts if artifacts.artifact_ok(a, self.lock_dir)} if record else set()
        for video_id, url in future.result():
            if video_id not in have:
                self.queue_download(key, video_id, url)

    def on_downloaded(self, key: str, future: cf.Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            self.reporter.job_event(key, "download failed", f"{type(exc).__name__}; the next apply retries it")
            return
        artifact: Artifact = future.result()
        record = self.journal.record(key)
        if record is None:
            return
        kept = tuple(a for a in record.artifacts if a.video_id != artifact.video_id)
        self.journal.update(key, artifacts=tuple(sorted(kept + (artifact,), key=lambda a: a.video_id)))
        self.reporter.job_event(key, "downloaded", artifact.path)


