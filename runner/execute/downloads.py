"""Downloads of finished videos, and of those a previous run could not fetch."""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Protocol

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
RENEWALS = 2  # a failed download whose provider hands out fresh URLs is fetched again this many times


class UrlSource(Protocol):
    """A kind's driver, as far as downloads need it."""

    urls_renew: bool  # the provider hands out a fresh URL for a finished video (else its first URL is the only one)

    def fresh_urls(self, record: JobRecord) -> list[tuple[str, str]]:
        """(video id, fresh URL) of a finished job's videos."""
        ...


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
        self.first: collections.deque[tuple[str, str, str]] = collections.deque()  # URLs that cannot be renewed
        self.fresh_url_wanted: collections.deque[str] = collections.deque()

    def video(self, key: str, video_id: str, url: str, *, renewable: bool = True) -> None:
        """Download a finished video at once (its URL expires; one that cannot be renewed goes first)."""
        if self.enabled:
            (self.videos if renewable else self.first).append((key, video_id, url))

    def next_video(self) -> tuple[str, str, str]:
        """The next video to download."""
        return self.first.popleft() if self.first else self.videos.popleft()

    def want_fresh_urls(self, key: str) -> None:
        """Fetch the job's missing videos by fresh URLs."""
        if self.enabled:
            self.fresh_url_wanted.append(key)

    def pending(self) -> bool:
        """Whether anything is left to fetch."""
        return bool(self.first or self.videos or self.fresh_url_wanted)


class Downloads:
    """Each finished video downloaded at once; missing ones fetched again by fresh URLs."""

    def __init__(
        self,
        queue: DownloadQueue,
        scheduler: Scheduler,
        ledger: Ledger,
        replies: Replies,
        ports: Ports,
        source: Callable[[str], UrlSource],
        jobs: Mapping[str, Job],
    ) -> None:
        self.queue = queue
        self.scheduler = scheduler
        self.ledger = ledger
        self.replies = replies
        self.ports = ports
        self.source = source  # by the record's kind: its driver, which asks for fresh URLs
        self.lock_dir = ledger.journal.path.parent
        self.http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
        self.requests = 0
        self.jobs = jobs
        self._refresh_sources: frozenset[str] | None = None
        self.failures: dict[tuple[str, str], str] = {}  # (key, video id) -> why its latest download failed
        self.renewals: collections.Counter[tuple[str, str]] = collections.Counter()

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
            queue.first.clear()
            queue.fresh_url_wanted.clear()
            return
        while queue.fresh_url_wanted and scheduler.room():
            key = queue.fresh_url_wanted.popleft()
            record = self.ledger.record(key)
            if record is not None:
                scheduler.submit(
                    partial(self.source(record.kind).fresh_urls, record),
                    self.replies.route(partial(self.fetched, key), partial(self.not_fetched, key), from_provider=False),
                )
        while (queue.first or queue.videos) and scheduler.local_room():
            key, video_id, url = queue.next_video()
            self.requests += 1
            target = artifacts.artifact_path(folder, key, video_id)
            scheduler.submit_local(
                partial(
                    fetch_and_check, url, target, self.lock_dir, video_id, self.http, key in self.refresh_sources()
                ),
                self.replies.route(
                    partial(self.downloaded, key), partial(self.not_downloaded, key, video_id), from_provider=False
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
        self.failures[(key, "")] = f"no fresh download URL: {exc}"
        self.ports.reporter.job_event(key, "download failed", str(exc))

    def downloaded(self, key: str, result: tuple[Artifact, VideoCheck]) -> None:
        """Record the artifact (a failed download does not fail the job: the next apply retries it)."""
        artifact, check = result
        self.failures.pop((key, artifact.video_id), None)
        self.failures.pop((key, ""), None)
        record = self.ledger.record(key)
        if record is None:
            return
        kept = tuple(a for a in record.artifacts if a.video_id != artifact.video_id)
        self.ledger.amend(key, artifacts=tuple(sorted(kept + (artifact,), key=lambda a: a.video_id)))
        self.ports.reporter.job_event(key, "downloaded", artifact.path)
        if not check.ok and record.state == JobState.SUCCEEDED:
            self.ledger.reject(key, f"video {artifact.video_id} failed the post-render check: {check.reason}")

    def not_downloaded(self, key: str, video_id: str, exc: BaseException) -> None:
        """A failed download (an expired URL, say): fetched again by a fresh URL where the provider gives one."""
        reason = download_error(exc)
        self.failures[(key, video_id)] = reason
        record = self.ledger.record(key)
        if record is not None and self.source(record.kind).urls_renew and self.renewals[(key, video_id)] < RENEWALS:
            self.renewals[(key, video_id)] += 1
            self.queue.want_fresh_urls(key)
            self.ports.reporter.job_event(key, "download failed", f"{reason}; fetching it again by a fresh URL")
            return
        self.ports.reporter.job_event(key, "download failed", f"{reason}; the next apply retries it")

    def missing(self, lock: Lockfile) -> dict[str, str]:
        """Succeeded jobs with a video this run was to download and could not, with why.

        A video no URL was ever handed out for (an earlier attempt's, kept because it was paid) is not one.
        """
        missing: dict[str, str] = {}
        for (key, video_id), reason in sorted(self.failures.items()):
            record = lock.jobs.get(key)
            if record is None or record.state != JobState.SUCCEEDED:
                continue
            have = {a.video_id for a in record.artifacts if artifacts.artifact_ok(a, self.lock_dir)}
            if video_id not in have:
                missing.setdefault(key, reason)
        return missing


def download_error(exc: BaseException) -> str:
    """Why a download failed, without its URL (a signed URL is a secret)."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"the download URL answered HTTP {exc.response.status_code}"
    if isinstance(exc, httpx.TransportError):
        return f"the download was cut off ({type(exc).__name__})"
    if isinstance(exc, OSError):
        return f"the video could not be written: {exc.strerror}"
    return type(exc).__name__
