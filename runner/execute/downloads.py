"""Downloads of finished videos, and of those a previous run could not fetch."""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

import httpx

from runner.execute import artifacts
from runner.execute.ledger import Ledger
from runner.execute.ports import Ports
from runner.execute.replies import Replies
from runner.execute.scheduler import Scheduler
from runner.lock.records import Artifact, JobRecord, Lockfile
from runner.media.video_check import VideoCheck, check_video
from runner.plan.job import Job
from runner.providers.errors import RunStopped
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.states import JobState

FreshUrls = Callable[[JobRecord], list[tuple[str, str]]]  # (video id, fresh URL) of a finished job's videos


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


class DownloadQueue:
    """What drivers hand over: finished videos with fresh URLs, and jobs whose videos need fresh URLs first."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.videos: collections.deque[tuple[str, str, str]] = collections.deque()  # (key, video id, url)
        self.fresh_url_wanted: collections.deque[str] = collections.deque()

    def video(self, key: str, video_id: str, url: str) -> None:
        """Download a finished video at once (its URL expires)."""
        if self.enabled:
            self.videos.append((key, video_id, url))

    def want_fresh_urls(self, key: str) -> None:
        """Fetch the job's missing videos by fresh URLs."""
        if self.enabled:
            self.fresh_url_wanted.append(key)

    def pending(self) -> bool:
        """Whether anything is left to fetch."""
        return bool(self.videos or self.fresh_url_wanted)


class Downloads:
    """Each finished video downloaded at once; missing ones fetched again by fresh URLs."""

    def __init__(
        self,
        queue: DownloadQueue,
        scheduler: Scheduler,
        ledger: Ledger,
        replies: Replies,
        ports: Ports,
        fresh_urls: Callable[[str], FreshUrls],
        jobs: Mapping[str, Job],
    ) -> None:
        self.queue = queue
        self.scheduler = scheduler
        self.ledger = ledger
        self.replies = replies
        self.ports = ports
        self.fresh_urls = fresh_urls  # by the record's kind: how its driver asks for fresh URLs
        self.lock_dir = ledger.journal.path.parent
        self.http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
        self.requests = 0
        self.failures: dict[str, str] = {}  # job key -> why its download or fresh URLs failed this run
        self.jobs = jobs
        self._refresh_sources: frozenset[str] | None = None

    def refresh_sources(self) -> frozenset[str]:
        """Keys of the jobs whose videos feed a refresh (an upload depends on them); computed once."""
        if self._refresh_sources is None:
            self._refresh_sources = frozenset(
                dep for job in self.jobs.values() if job.kind == JobKind.UPLOAD for dep in job.depends_on
            )
        return self._refresh_sources

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def launch(self) -> None:
        """Start what room allows."""
        queue, scheduler = self.queue, self.scheduler
        folder = self.ports.options.artifacts_dir
        if folder is None or not self.ports.downloads:
            queue.videos.clear()
            queue.fresh_url_wanted.clear()
            return
        while queue.fresh_url_wanted and scheduler.room():
            key = queue.fresh_url_wanted.popleft()
            record = self.ledger.record(key)
            if record is not None:
                scheduler.submit(
                    partial(self.fresh_urls(record.kind), record),
                    self.replies.route(partial(self.fetched, key), partial(self.not_fetched, key), from_provider=False),
                )
        while queue.videos and scheduler.room():
            key, video_id, url = queue.videos.popleft()
            self.requests += 1
            target = artifacts.artifact_path(folder, key, video_id)
            scheduler.submit(
                partial(
                    fetch_and_check, url, target, self.lock_dir, video_id, self.http, key in self.refresh_sources()
                ),
                self.replies.route(
                    partial(self.downloaded, key), partial(self.not_downloaded, key), from_provider=False
                ),
            )

    def fetched(self, key: str, urls: list[tuple[str, str]]) -> None:
        """Queue the videos still missing."""
        record = self.ledger.record(key)
        have = {a.video_id for a in record.artifacts if artifacts.artifact_ok(a, self.lock_dir)} if record else set()
        for video_id, url in urls:
            if video_id not in have:
                self.queue.video(key, video_id, url)

    def not_fetched(self, key: str, exc: BaseException) -> None:
        """No fresh URLs this time: the next apply tries again (unless the whole run must stop)."""
        if isinstance(exc, RunStopped):
            raise exc
        self.failures[key] = f"no fresh URL: {exc}"
        self.ports.reporter.job_event(key, "download failed", str(exc))

    def downloaded(self, key: str, result: tuple[Artifact, VideoCheck]) -> None:
        """Record the artifact (a failed download does not fail the job: the next apply retries it)."""
        artifact, check = result
        record = self.ledger.record(key)
        if record is None:
            return
        kept = tuple(a for a in record.artifacts if a.video_id != artifact.video_id)
        self.ledger.amend(key, artifacts=tuple(sorted(kept + (artifact,), key=lambda a: a.video_id)))
        self.failures.pop(key, None)
        self.ports.reporter.job_event(key, "downloaded", artifact.path)
        if not check.ok and record.state == JobState.SUCCEEDED:
            self.ledger.reject(key, f"video {artifact.video_id} failed the post-render check: {check.reason}")

    def not_downloaded(self, key: str, exc: BaseException) -> None:
        """A failed download: reported (apply exits 1); the next apply fetches it again."""
        self.failures[key] = type(exc).__name__
        self.ports.reporter.job_event(key, "download failed", f"{type(exc).__name__}; the next apply retries it")
