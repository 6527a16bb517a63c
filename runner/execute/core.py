"""The engine's shared state and the state changes every kind of job goes through."""

from __future__ import annotations

import concurrent.futures as cf
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import httpx

from runner import api_facts as facts
from runner.clock import Clock
from runner.execute.journal import Journal
from runner.execute.ports import ExecuteOptions, Providers, Reporter
from runner.lock.lockfile import JobError, JobRecord
from runner.plan.job import Job
from runner.plan.model import Plan
from runner.providers.errors import NotSent, PermanentError, ProviderError, RunStopped, TransientBudgetExhausted

GIVE_UP_TRANSIENT = 3  # batches that keep failing transiently after the client's own retries


@dataclass
class JobRun:
    """The engine's working state of one job (memory only; the journal has the durable part)."""

    job: Job
    phase: str  # ready, creating, polling, adopting, done, failed, skipped
    due: float = 0.0
    busy: bool = False
    transient_failures: int = 0
    preview: dict[str, str] = field(default_factory=dict)
    priority: int = 1
    before_create: JobRecord | None = None  # the record a write-ahead replaced, restored when nothing was sent
    wrote_ahead: bool = False



class EngineCore:
    """State shared by the engine's parts; every method runs on the engine's thread."""

    def __init__(self, plan: Plan, journal: Journal, providers: Providers, options: ExecuteOptions,
                 clock: Clock, reporter: Reporter) -> None:
        self.plan = plan
        self.journal = journal
        self.providers = providers
        self.options = options
        self.clock = clock
        self.reporter = reporter
        self.lock_dir = journal.path.parent
        self.runs: dict[str, JobRun] = {}
        self.pool = cf.ThreadPoolExecutor(max_workers=max(1, options.parallelism))
        self.inflight: dict[cf.Future[Any], Callable[[Any], None]] = {}
        self.downloads: list[tuple[str, str, str]] = []  # (key, video_id, url)
        self.download_requests = 0
        self.videos_created = 0
        self.http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
        self.fresh_url_wanted: set[str] = set()
        self.started = clock.time()

    # --- setup ---------------------------------------------------------------------------

    def submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self.inflight[self.pool.submit(fn)] = on_done

    def room(self) -> bool:
        return len(self.inflight) < max(1, self.options.parallelism)


    def fail(self, run: JobRun, code: str, message: str) -> None:
        run.phase, run.busy = "failed", False
        self.journal.update(run.job.key, state="failed", error=JobError(code, message))
        self.reporter.job_event(run.job.key, "failed", f"{code}: {message}")

    def succeed(self, run: JobRun, **changes: Any) -> None:
        run.phase, run.busy = "done", False
        change = next((c for c in self.plan.changes if c.key == run.job.key), None)
        self.journal.update(run.job.key, state="succeeded", error=None, **changes)
        if change is not None and change.replaces:
            self.journal.drop([change.replaces])
        self.reporter.job_event(run.job.key, "succeeded", ", ".join(self.journal.record(run.job.key).video_ids or ()))  # type: ignore[union-attr]

    def write_ahead(self, run: JobRun, **extra: Any) -> JobRecord:
        """Record `pending` (attempts + 1, submitted_at) before sending a paid create."""
        job = run.job
        old = self.journal.record(job.key)
        record = JobRecord(
            kind=job.kind, provider=job.provider, state="pending", addresses=job.addresses, name=job.name,
            depends_on=job.depends_on, attempts=(old.attempts if old else 0) + 1, submitted_at=self.clock.time(), request=dict(job.request),
            video_ids=old.video_ids if old and old.state == "failed" and job.kind == "refresh_video" else (), **extra,
        )
        if old is not None and old.state == "failed":
            record = replace(record, video_ids=())
        if old is not None and old.state == "succeeded":  # only a `--replace` re-renders a succeeded job: keep what it supersedes
            reason = next((c.reason for c in self.plan.changes if c.key == job.key and c.reason), None) or "--replace"
            record = replace(record, replaced={"reason": reason, "video_ids": list(old.video_ids), "task_ids": list(old.task_ids)})
        elif old is not None and old.replaced:
            record = replace(record, replaced=old.replaced)
        self.journal.put(job.key, record)
        run.phase, run.busy = "creating", True
        run.before_create, run.wrote_ahead = old, True
        return record

    def undo_write_ahead(self, runs: list[JobRun]) -> None:
        """A create that cannot have reached the provider was never an attempt: restore the records it replaced."""
        undone = [run for run in runs if run.phase == "creating" and run.wrote_ahead]
        for run in undone:
            if run.before_create is None:
                self.journal.drop([run.job.key])
            else:
                self.journal.put(run.job.key, run.before_create)
            run.wrote_ahead = False
        if undone:
            self.journal.flush()

    def transient(self, runs: list[JobRun], exc: ProviderError) -> None:
        for run in runs:
            run.busy = False
            if not isinstance(exc, NotSent):  # nothing reached the server: not an attempt
                run.transient_failures += 1
            if run.transient_failures >= GIVE_UP_TRANSIENT:
                self.fail(run, exc.code, exc.message)
            else:
                run.phase, run.due = "ready", self.clock.time() + 30.0

    def handle_error(self, runs: list[JobRun], exc: BaseException) -> None:
        if isinstance(exc, (NotSent, TransientBudgetExhausted)):  # a create retried on these had no effect
            self.undo_write_ahead(runs)
        if isinstance(exc, RunStopped):
            raise exc
        if isinstance(exc, PermanentError):
            for run in runs:
                self.fail(run, exc.code, exc.message)
        elif isinstance(exc, ProviderError):
            self.transient(runs, exc)
        else:
            raise exc

    def deps_state(self, job: Job) -> str:
        states = []
        for dep in job.depends_on:
            record = self.journal.record(dep)
            dep_run = self.runs.get(dep)
            if dep_run is not None and dep_run.phase in ("failed", "skipped"):
                return "broken"
            states.append(record.state if record else "missing")
        if all(s == "succeeded" for s in states):
            return "ok"
        return "broken" if any(s == "failed" for s in states) and all(self.runs.get(d) is None for d in job.depends_on) else "wait"

    # --- launching work --------------------------------------------------------------------------

    def handle_poll_error(self, runs: list[JobRun], exc: BaseException) -> None:
        if isinstance(exc, RunStopped) or not isinstance(exc, ProviderError):
            raise exc
        for run in runs:  # polls are free: try again later
            run.due = self.clock.time() + 10.0

    def polled_tasks(self, runs: list[JobRun], future: cf.Future[Any]) -> dict[str, Any] | None:
        """The tasks a poll returned, by id; None (and a later retry) when the poll failed."""
        for run in runs:
            run.busy = False
        exc = future.exception()
        if exc is not None:
            self.handle_poll_error(runs, exc)
            return None
        return {t.task_id: t for t in future.result()}

    def queue_download(self, key: str, video_id: str, url: str) -> None:
        if self.options.downloads and self.options.artifacts_dir is not None:
            self.downloads.append((key, video_id, url))

    def fresh_urls(self, record: JobRecord) -> list[tuple[str, str]]:
        """(video id, fresh URL) of a finished job's videos: recorded URLs are never kept (they are signed)."""
        if record.kind == "heygen_video":
            heygen = self.providers.heygen
            assert heygen is not None
            video = heygen.get_video(record.video_ids[0])
            return [(video.video_id, video.video_url)] if video.video_url else []
        tiktok = self.providers.tiktok
        assert tiktok is not None
        if record.kind == "avatar_video" and record.task_ids:
            return [(t.video_id, t.preview_url) for t in tiktok.get_avatar_tasks(list(record.task_ids)) if t.video_id and t.preview_url]
        if record.kind == "refresh_video":
            pairs = []
            for i in range(0, len(record.task_ids), facts.MAX_TASK_IDS_PER_GET):
                chunk = list(record.task_ids[i : i + facts.MAX_TASK_IDS_PER_GET])
                pairs += [(t.video_id, t.preview_url) for t in tiktok.get_refresh_tasks(chunk) if t.video_id and t.preview_url]
            return pairs
        return [(v.video_id, v.preview_url) for v in tiktok.list_avatar_videos() if v.video_id in record.video_ids and v.preview_url]
