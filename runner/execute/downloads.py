"""Downloads of finished videos, and of those a previous run could not fetch."""

from __future__ import annotations

import concurrent.futures as cf
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from runner.execute import artifacts
from runner.execute.context import Context
from runner.lock.lockfile import Artifact, JobError, Lockfile
from runner.media.video_check import VideoCheck, check_video
from runner.providers.errors import RunStopped
from runner.vocabulary.errors import ErrorCode
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.states import Event, JobState, Phase, transition


def needs_downloads(lock: Lockfile, lock_dir: Path) -> list[str]:
    """Succeeded jobs whose videos are not all on disk."""
    missing = []
    for key, record in lock.jobs.items():
        if record.state != "succeeded" or record.kind == JobKind.UPLOAD:
            continue
        have = {a.video_id for a in record.artifacts if artifacts.artifact_ok(a, lock_dir)}
        if any(v not in have for v in record.video_ids):
            missing.append(key)
    return sorted(missing)


def fetch_and_check(
    url: str, target: Path, relative_to: Path, video_id: str, http: httpx.Client, feeds_refresh: bool
) -> tuple[Artifact, VideoCheck]:
    """Download a finished video, then run the post-render checks on the file (on a worker thread)."""
    artifact = artifacts.download(url, target, relative_to, video_id, http)
    return artifact, check_video(target, feeds_refresh)


class Downloads:
    """Each finished video downloaded at once; missing ones fetched again by fresh URLs."""

    def __init__(self, ctx: Context, lock_dir: Path) -> None:
        self.ctx = ctx
        self.lock_dir = lock_dir
        self.http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
        self.requests = 0
        self._refresh_sources: frozenset[str] | None = None

    def refresh_sources(self) -> frozenset[str]:
        """Keys of the jobs whose videos feed a refresh (an upload depends on them); computed once."""
        if self._refresh_sources is None:
            self._refresh_sources = frozenset(
                dep for job in self.ctx.jobs.values() if job.kind == JobKind.UPLOAD for dep in job.depends_on
            )
        return self._refresh_sources

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def pending(self) -> bool:
        """Whether anything is left to fetch."""
        return bool(self.ctx.downloads or self.ctx.fresh_url_wanted)

    def launch(self) -> None:
        """Start what room allows."""
        ctx = self.ctx
        folder = ctx.options.artifacts_dir
        if folder is None or not ctx.options.downloads:
            ctx.downloads.clear()
            ctx.fresh_url_wanted.clear()
            return
        while ctx.fresh_url_wanted and ctx.room():
            key = ctx.fresh_url_wanted.popleft()
            record = ctx.journal.record(key)
            if record is not None:
                ctx.submit(partial(ctx.fresh_urls, record), partial(self.fetched, key))
        while ctx.downloads and ctx.room():
            key, video_id, url = ctx.downloads.popleft()
            self.requests += 1
            target = artifacts.artifact_path(folder, key, video_id)
            feeds_refresh = key in self.refresh_sources()
            ctx.submit(
                partial(fetch_and_check, url, target, self.lock_dir, video_id, self.http, feeds_refresh),
                partial(self.downloaded, key),
            )

    def fetched(self, key: str, future: cf.Future[Any]) -> None:
        """Queue the videos still missing."""
        exc = future.exception()
        if exc is not None:
            if isinstance(exc, RunStopped):
                raise exc
            self.ctx.reporter.job_event(key, "download failed", str(exc))
            return
        record = self.ctx.journal.record(key)
        have = {a.video_id for a in record.artifacts if artifacts.artifact_ok(a, self.lock_dir)} if record else set()
        for video_id, url in future.result():
            if video_id not in have:
                self.ctx.queue_download(key, video_id, url)

    def downloaded(self, key: str, future: cf.Future[Any]) -> None:
        """Record the artifact (a failed download does not fail the job: the next apply retries it)."""
        exc = future.exception()
        if exc is not None:
            self.ctx.reporter.job_event(key, "download failed", f"{type(exc).__name__}; the next apply retries it")
            return
        artifact, check = future.result()
        record = self.ctx.journal.record(key)
        if record is None:
            return
        kept = tuple(a for a in record.artifacts if a.video_id != artifact.video_id)
        self.ctx.journal.update(key, artifacts=tuple(sorted(kept + (artifact,), key=lambda a: a.video_id)))
        self.ctx.reporter.job_event(key, "downloaded", artifact.path)
        if not check.ok and record.state == JobState.SUCCEEDED:
            self.reject(key, f"video {artifact.video_id} failed the post-render check: {check.reason}")

    def reject(self, key: str, message: str) -> None:
        """A paid video that is unusable: the job fails (the next plan makes it again, -/+)."""
        ctx = self.ctx
        row = transition(JobState.SUCCEEDED, Event.CHECK_FAILED)
        ctx.journal.update(key, state=JobState(row.to), error=JobError(ErrorCode.CHECK_FAILED, message))
        ctx.reporter.job_event(key, "failed", f"{ErrorCode.CHECK_FAILED}: {message}")
        run = ctx.runs.get(key)
        if run is not None:  # counted as finished when it succeeded; now failed, with its dependents blocked
            run.phase = Phase.FAILED
            ctx.block_dependents(run, f"{key} failed its post-render check")
