"""The apply engine: runs a plan's jobs in dependency order, batched and paced, exactly once."""

from __future__ import annotations

import concurrent.futures as cf
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Callable, Protocol

import httpx

from runner import api_facts as facts
from runner.clock import Clock
from runner.execute import artifacts
from runner.execute.journal import Journal
from runner.lock.lockfile import Artifact, JobError, JobRecord, Lockfile
from runner.plan.job import Job, name_tag, tagged_video_name
from runner.plan.model import Action, Plan
from runner.providers.errors import AuthError, OutcomeUnknown, PermanentError, ProviderError
from runner.providers.models import AvatarTask, CreatedTask, HeyGenVideo, RefreshTask, VideoInfo

ADOPT_MARGIN = 1.2  # wait this multiple of the documented bound (+30 s) before concluding a lost create never happened
GIVE_UP_TRANSIENT = 3
CRITICAL_POLL_SECONDS = 3.0
POLL_BATCH_HORIZON = 4.0  # virtual seconds: a task due this soon joins a poll that is going out now  # batches that keep failing transiently after the client's own retries


class TikTokApi(Protocol):
    """The TikTok client methods the engine uses (a fake implements them in tests)."""

    request_count: int

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]: ...
    def get_avatar_tasks(self, task_ids: list[str]) -> list[AvatarTask]: ...
    def list_avatar_videos(self, *, avatar_id: str | None = None) -> list[VideoInfo]: ...
    def rename_video(self, video_id: str, name: str) -> None: ...
    def upload_video_by_url(self, url: str) -> str: ...
    def create_refresh_task(self, video_id: str, strategies: list[str], add_hook: dict[str, str] | None) -> list[str]: ...
    def get_refresh_tasks(self, task_ids: list[str]) -> list[RefreshTask]: ...


class HeyGenApi(Protocol):
    """The HeyGen client methods the engine uses."""

    request_count: int

    def create_video(self, *, avatar_id: str, script: str, voice_id: str, aspect_ratio: str, idempotency_key: str) -> str: ...
    def get_video(self, video_id: str) -> HeyGenVideo: ...


class Reporter(Protocol):
    """Where the engine tells what happens."""

    def job_event(self, key: str, event: str, detail: str = "") -> None: ...
    def progress(self, done: int, in_flight: int, failed: int, total: int, eta_seconds: float | None) -> None: ...


class SilentReporter:
    """Reports nothing."""

    def job_event(self, key: str, event: str, detail: str = "") -> None:
        """Ignore."""

    def progress(self, done: int, in_flight: int, failed: int, total: int, eta_seconds: float | None) -> None:
        """Ignore."""


@dataclass(frozen=True)
class Providers:
    """The clients a run may use (None: not needed or not configured)."""

    tiktok: TikTokApi | None = None
    heygen: HeyGenApi | None = None


@dataclass(frozen=True)
class ExecuteOptions:
    """How to run."""

    parallelism: int = 8
    artifacts_dir: Path | None = None  # None: no downloads
    downloads: bool = True


@dataclass(frozen=True)
class ApplyResult:
    """What a run did."""

    lockfile: Lockfile
    succeeded: tuple[str, ...]
    failed: tuple[str, ...]
    skipped: tuple[str, ...]
    videos_created: int
    requests: int


@dataclass
class _Run:
    """The engine's working state of one job (memory only; the journal has the durable part)."""

    job: Job
    phase: str  # ready, creating, polling, adopting, done, failed, skipped
    due: float = 0.0
    busy: bool = False
    transient_failures: int = 0
    preview: dict[str, str] = field(default_factory=dict)
    priority: int = 1


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


class Engine:
    """One apply run; see docs/apply.md for the scheduling and write-ahead rules."""

    def __init__(self, plan: Plan, journal: Journal, providers: Providers, options: ExecuteOptions,
                 clock: Clock, reporter: Reporter) -> None:
        self.plan = plan
        self.journal = journal
        self.providers = providers
        self.options = options
        self.clock = clock
        self.reporter = reporter
        self.lock_dir = journal.path.parent
        self.runs: dict[str, _Run] = {}
        self.pool = cf.ThreadPoolExecutor(max_workers=max(1, options.parallelism))
        self.inflight: dict[cf.Future[Any], Callable[[Any], None]] = {}
        self.downloads: list[tuple[str, str, str]] = []  # (key, video_id, url)
        self.download_requests = 0
        self.videos_created = 0
        self.http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
        self.fresh_url_wanted: set[str] = set()
        self.started = clock.time()

    # --- setup ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """Turn the plan's changes into runs, renames, forgets and missing downloads."""
        now = self.clock.time()
        feeds = {d for c in self.plan.changes if c.job for d in c.job.depends_on}
        for change in self.plan.changes:
            job = change.job
            if change.action is Action.FORGET:
                self.journal.drop([change.key])
                self.reporter.job_event(change.key, "forgotten")
            elif change.action is Action.RENAME and job is not None:
                self.rename(change.key, job)
            elif change.action in (Action.CREATE, Action.REPLACE) and job is not None:
                run = _Run(job, "ready", priority=0 if job.key in feeds else 1)
                record = self.journal.record(change.key)
                if change.resume == "submitted" and record is not None:
                    run.phase, run.due = "polling", now
                elif change.resume == "pending" and record is not None:
                    self.resume_pending(run, record)
                self.runs[change.key] = run
        if self.options.downloads and self.options.artifacts_dir is not None:
            for key in needs_downloads(self.journal.snapshot(), self.lock_dir):
                if key not in self.runs:
                    self.fresh_url_wanted.add(key)
        self.journal.flush()

    def resume_pending(self, run: _Run, record: JobRecord) -> None:
        """A create was sent but its reply never recorded (crash or lost reply)."""
        kind = run.job.kind
        if kind == "avatar_video":
            run.phase = "adopting"
            run.due = (record.submitted_at or 0.0) + self.adopt_wait(run.job)
        elif kind == "refresh_video":
            self.fail(run, "OUTCOME_UNKNOWN", "the refresh create was sent but its reply was lost; it may exist in the "
                      "account (refresh videos cannot be matched to a request); the next apply creates it again")
        # uploads (free) and HeyGen renders (Idempotency-Key) are simply sent again

    def adopt_wait(self, job: Job) -> float:
        """How long after a lost create its video must have appeared in the list."""
        return facts.avatar_processing_bound(len(str(job.request.get("script", "")))) * ADOPT_MARGIN + 30.0

    # --- the loop ----------------------------------------------------------------------------
    def run(self) -> ApplyResult:
        """Run until every job succeeded, failed or was skipped."""
        try:
            self.prepare()
            while True:
                self.launch()
                if not self.inflight and not self.pending_work():
                    break
                self.wait()
                self.journal.flush()
                self.report()
        finally:
            self.journal.flush()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.http.close()
        runs = self.runs.values()
        requests = self.download_requests + sum(
            p.request_count for p in (self.providers.tiktok, self.providers.heygen) if p is not None)
        return ApplyResult(
            lockfile=self.journal.snapshot(),
            succeeded=tuple(sorted(r.job.key for r in runs if r.phase == "done")),
            failed=tuple(sorted(r.job.key for r in runs if r.phase == "failed")),
            skipped=tuple(sorted(r.job.key for r in runs if r.phase == "skipped")),
            videos_created=self.videos_created,
            requests=requests,
        )

    def pending_work(self) -> bool:
        return bool(self.downloads or self.fresh_url_wanted or any(r.phase not in ("done", "failed", "skipped") for r in self.runs.values()))

    def wait(self) -> None:
        now = self.clock.time()
        dues = [r.due for r in self.runs.values() if not r.busy and (
            r.phase in ("polling", "adopting") or (r.phase == "ready" and self.deps_state(r.job) == "ok"))]
        wait = max(0.0, min(dues, default=now + 5.0) - now)
        if self.inflight:
            scale = getattr(self.clock, "scale", None)
            timeout = min(wait * scale, 5.0) if scale else (0.05 if wait > 0 else 0.0)
            done, _ = cf.wait(list(self.inflight), timeout=timeout if wait > 0 else 0.0, return_when=cf.FIRST_COMPLETED)
            if not done and wait > 0 and not scale:
                self.clock.sleep(wait)
            for future in done:
                handler = self.inflight.pop(future)
                handler(future)
        elif wait > 0:
            self.clock.sleep(min(wait, 60.0))

    def submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self.inflight[self.pool.submit(fn)] = on_done

    def room(self) -> bool:
        return len(self.inflight) < max(1, self.options.parallelism)

    def report(self) -> None:
        runs = list(self.runs.values())
        done = sum(r.phase == "done" for r in runs)
        failed = sum(r.phase in ("failed", "skipped") for r in runs)
        # The plan's estimate, counted down.
        eta = max(0.0, self.plan.estimate.eta_seconds - (self.clock.time() - self.started)) if done + failed < len(runs) else 0.0
        self.reporter.progress(done, sum(r.busy for r in runs), failed, len(runs), eta)

    # --- state changes (main thread only) ------------------------------------------------------
    def fail(self, run: _Run, code: str, message: str) -> None:
        run.phase, run.busy = "failed", False
        self.journal.update(run.job.key, state="failed", error=JobError(code, message))
        self.reporter.job_event(run.job.key, "failed", f"{code}: {message}")

    def succeed(self, run: _Run, **changes: Any) -> None:
        run.phase, run.busy = "done", False
        change = next((c for c in self.plan.changes if c.key == run.job.key), None)
        self.journal.update(run.job.key, state="succeeded", error=None, **changes)
        if change is not None and change.replaces:
            self.journal.drop([change.replaces])
        self.reporter.job_event(run.job.key, "succeeded", ", ".join(self.journal.record(run.job.key).video_ids or ()))  # type: ignore[union-attr]

    def write_ahead(self, run: _Run, **extra: Any) -> JobRecord:
        """Record `pending` (attempts + 1, submitted_at) before sending a paid create."""
        job = run.job
        old = self.journal.record(job.key)
        record = JobRecord(
            kind=job.kind, provider=job.provider, state="pending", addresses=job.addresses, name=job.name,
            depends_on=job.depends_on, attempts=(old.attempts if old else 0) + 1, submitted_at=self.clock.time(),
            video_ids=old.video_ids if old and old.state == "failed" and job.kind == "refresh_video" else (), **extra,
        )
        if old is not None and old.state == "failed":
            record = replace(record, video_ids=())
        self.journal.put(job.key, record)
        run.phase, run.busy = "creating", True
        return record

    def transient(self, runs: list[_Run], exc: ProviderError) -> None:
        for run in runs:
            run.busy = False
            run.transient_failures += 1
            if run.transient_failures >= GIVE_UP_TRANSIENT:
                self.fail(run, exc.code, exc.message)
            else:
                run.phase, run.due = "ready", self.clock.time() + 30.0

    def handle_error(self, runs: list[_Run], exc: BaseException) -> None:
        if isinstance(exc, AuthError):
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
    def launch(self) -> None:
        now = self.clock.time()
        ready: dict[str, list[_Run]] = {"avatar_video": [], "upload": [], "refresh_video": [], "heygen_video": []}
        polls: dict[str, list[_Run]] = {"avatar_video": [], "refresh_video": [], "heygen_video": []}
        for run in sorted(self.runs.values(), key=lambda r: (r.priority, r.job.key)):
            if run.busy or run.due > now:
                continue
            if run.phase == "ready":
                state = self.deps_state(run.job)
                if state == "broken":
                    run.phase = "skipped"
                    self.reporter.job_event(run.job.key, "skipped", "a job it depends on failed")
                elif state == "ok":
                    ready[run.job.kind].append(run)
            elif run.phase == "polling":
                polls[run.job.kind].append(run)
            elif run.phase == "adopting":
                self.launch_adoption(run)
        self.launch_avatar_creates(ready["avatar_video"])
        for kind, runs in polls.items():
            if runs:  # fill the 5-id batches with tasks due soon anyway: fewer calls, same latency
                waiting = {id(r) for r in runs}
                runs += [r for r in self.runs.values() if r.phase == "polling" and not r.busy and r.job.kind == kind
                         and id(r) not in waiting and r.due <= now + POLL_BATCH_HORIZON]
            self.launch_polls(kind, runs)
        for run in ready["upload"]:
            if self.room():
                self.launch_upload(run)
        self.launch_refresh(ready["refresh_video"])
        for run in ready["heygen_video"]:
            if self.room():
                self.launch_heygen(run)
        self.launch_downloads()

    def launch_avatar_creates(self, runs: list[_Run]) -> None:
        tiktok = self.providers.tiktok
        while runs and self.room() and tiktok is not None:
            batch, runs = runs[: facts.MAX_PACKAGES_PER_CREATE], runs[facts.MAX_PACKAGES_PER_CREATE :]
            packages = []
            for run in batch:
                video_name = tagged_video_name(run.job.name or run.job.key, run.job.key)
                self.write_ahead(run, video_name=video_name)
                packages.append({"avatar_id": str(run.job.request["avatar_id"]), "script": str(run.job.request["script"]),
                                 "video_name": video_name, "package_id": run.job.key})
            self.journal.flush()  # write-ahead: the pending records land before the create is sent
            self.submit(partial(tiktok.create_avatar_videos, packages), partial(self.on_avatar_created, batch))

    def on_avatar_created(self, batch: list[_Run], future: cf.Future[Any]) -> None:
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            for run in batch:
                run.phase, run.busy = "adopting", False
                run.due = self.clock.time() + self.adopt_wait(run.job)
                self.reporter.job_event(run.job.key, "reply lost", "will look for the video before creating it again")
            return
        if exc is not None:
            self.handle_error(batch, exc)
            return
        by_package = {t.package_id: t for t in future.result()}
        for run in batch:
            created = by_package.get(run.job.key)
            if created is None or not created.task_id:
                self.fail(run, "CREATE", (created.error_msg if created else None) or "the provider returned no task")
                continue
            self.videos_created += 1
            self.journal.update(run.job.key, state="submitted", task_ids=(created.task_id,))
            run.phase, run.busy = "polling", False
            run.due = self.clock.time() + self.first_poll(run)
            self.reporter.job_event(run.job.key, "created", f"task {created.task_id}")

    def launch_polls(self, kind: str, runs: list[_Run]) -> None:
        if not runs:
            return
        if kind == "heygen_video":
            for run in runs:
                if self.room():
                    self.poll_heygen(run)
            return
        tiktok = self.providers.tiktok
        assert tiktok is not None
        owners: dict[str, _Run] = {}
        for run in runs:
            record = self.journal.record(run.job.key)
            for task_id in record.task_ids if record else ():
                owners[task_id] = run
        ids = sorted(owners)
        while ids and self.room():
            chunk, ids = ids[: facts.MAX_TASK_IDS_PER_GET], ids[facts.MAX_TASK_IDS_PER_GET :]
            members = list({id(owners[t]): owners[t] for t in chunk}.values())
            for run in members:
                run.busy = True
            if kind == "avatar_video":
                self.submit(partial(tiktok.get_avatar_tasks, chunk), partial(self.on_avatar_polled, members))
            else:
                self.submit(partial(tiktok.get_refresh_tasks, chunk), partial(self.on_refresh_polled, members))

    def on_avatar_polled(self, runs: list[_Run], future: cf.Future[Any]) -> None:
        for run in runs:
            run.busy = False
        exc = future.exception()
        if exc is not None:
            self.handle_poll_error(runs, exc)
            return
        tasks = {t.task_id: t for t in future.result()}
        for run in runs:
            record = self.journal.record(run.job.key)
            task = tasks.get(record.task_ids[0]) if record and record.task_ids else None
            if task is None or task.status in ("SUBMITTED", "PROCESSING"):
                run.due = self.clock.time() + self.poll_interval(run)
            elif task.status == "SUCCESS" and task.video_id:
                if task.preview_url:
                    run.preview[task.video_id] = task.preview_url
                    self.queue_download(run.job.key, task.video_id, task.preview_url)
                self.succeed(run, video_ids=(task.video_id,), video_name=task.video_name or (record.video_name if record else None))
            else:
                self.fail(run, "TASK_FAILED", task.error or "the avatar video task failed")

    def first_poll(self, run: _Run) -> float:
        """Videos that feed refresh chains are looked at from half the documented bound; others near the bound."""
        bound = facts.avatar_processing_bound(len(str(run.job.request["script"])))
        return (0.5 if run.priority == 0 else 0.95) * bound

    def poll_interval(self, run: _Run) -> float:
        """Re-poll sooner for videos that feed refresh chains: they gate the 5-per-minute refresh window."""
        if run.priority == 0:
            return CRITICAL_POLL_SECONDS
        return max(5.0, 0.1 * facts.avatar_processing_bound(len(str(run.job.request["script"]))))

    def handle_poll_error(self, runs: list[_Run], exc: BaseException) -> None:
        if isinstance(exc, AuthError) or not isinstance(exc, ProviderError):
            raise exc
        for run in runs:  # polls are free: try again later
            run.due = self.clock.time() + 10.0

    def launch_adoption(self, run: _Run) -> None:
        tiktok = self.providers.tiktok
        if tiktok is None or not self.room():
            return
        run.busy = True
        avatar_id = str(run.job.request["avatar_id"])
        self.submit(lambda: tiktok.list_avatar_videos(avatar_id=avatar_id), lambda f: self.on_adoption(run, f))

    def on_adoption(self, run: _Run, future: cf.Future[Any]) -> None:
        run.busy = False
        exc = future.exception()
        if exc is not None:
            self.handle_poll_error([run], exc)
            return
        tag = "~" + name_tag(run.job.key)
        found = [v for v in future.result() if v.video_name.endswith(tag)]
        if found:
            video = sorted(found, key=lambda v: v.video_id)[0]
            if video.preview_url:
                run.preview[video.video_id] = video.preview_url
                self.queue_download(run.job.key, video.video_id, video.preview_url)
            self.succeed(run, video_ids=(video.video_id,), video_name=video.video_name)
            self.reporter.job_event(run.job.key, "adopted", f"video {video.video_id} found by its name tag; not paid again")
        else:
            run.phase, run.due = "ready", 0.0  # it never happened: create it (a new attempt)
            self.reporter.job_event(run.job.key, "not found", "the lost create never happened; creating it")

    def source_url(self, upload: Job) -> tuple[str | None, Callable[[], str] | None]:
        """The URL to upload: the source URL, a cached fresh preview URL, or a call that fetches one."""
        source = upload.request["source"]
        if "url" in source:
            return str(source["url"]), None
        dep_key = str(source["job"])
        dep_run = self.runs.get(dep_key)
        record = self.journal.record(dep_key)
        assert record is not None and record.video_ids
        video_id = record.video_ids[0]
        if dep_run is not None and video_id in dep_run.preview:
            return dep_run.preview[video_id], None
        return None, lambda: self.fetch_preview(dep_key, record)

    def fetch_preview(self, key: str, record: JobRecord) -> str:
        """A fresh preview URL of a finished job's first video (recorded URLs are never kept)."""
        tiktok = self.providers.tiktok
        assert tiktok is not None
        if record.kind == "avatar_video":
            if record.task_ids:
                urls = [t.preview_url for t in tiktok.get_avatar_tasks(list(record.task_ids)) if t.preview_url]
            else:
                videos = tiktok.list_avatar_videos()
                urls = [v.preview_url for v in videos if v.video_id == record.video_ids[0] and v.preview_url]
        else:
            tasks = tiktok.get_refresh_tasks(list(record.task_ids)[:5])
            urls = [t.preview_url for t in tasks if t.preview_url and t.video_id == record.video_ids[0]]
        if not urls:
            raise PermanentError("tiktok", "preview", "NO_URL", f"no preview URL for the video of {key}")
        return str(urls[0])

    def launch_upload(self, run: _Run) -> None:
        tiktok = self.providers.tiktok
        assert tiktok is not None
        url, fetch = self.source_url(run.job)
        record = self.journal.record(run.job.key)
        self.journal.put(run.job.key, JobRecord(kind="upload", provider="tiktok", state="pending", addresses=run.job.addresses,
                                                depends_on=run.job.depends_on, attempts=(record.attempts if record else 0) + 1,
                                                submitted_at=self.clock.time()))
        run.phase, run.busy = "creating", True

        def upload() -> str:
            return tiktok.upload_video_by_url(url if url is not None else fetch())  # type: ignore[misc]

        self.submit(upload, lambda f: self.on_uploaded(run, f))

    def on_uploaded(self, run: _Run, future: cf.Future[Any]) -> None:
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            run.phase, run.busy = "ready", False  # uploads are free: send it again
            return
        if exc is not None:
            self.handle_error([run], exc)
            return
        self.succeed(run, stock_video_id=str(future.result()))

    def launch_refresh(self, runs: list[_Run]) -> None:
        tiktok = self.providers.tiktok
        if not runs or tiktok is None:
            return
        # One refresh create at a time: the client paces them to 1 QPS / 5 QPM; more in flight would only queue.
        if any(r.busy and r.phase == "creating" and r.job.kind == "refresh_video" for r in self.runs.values()):
            return
        if not self.room():
            return
        run = runs[0]
        upload = self.journal.record(str(run.job.request["video"]["job"]))
        assert upload is not None and upload.stock_video_id
        self.write_ahead(run)
        self.journal.flush()
        stock, strategies, hook = upload.stock_video_id, list(run.job.request["video_refresh_strategy_list"]), run.job.request.get("add_hook")
        self.submit(lambda: tiktok.create_refresh_task(stock, strategies, dict(hook) if hook else None),
                    lambda f: self.on_refresh_created(run, f))

    def on_refresh_created(self, run: _Run, future: cf.Future[Any]) -> None:
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            self.fail(run, "OUTCOME_UNKNOWN", "the refresh create's reply was lost; it may exist in the account "
                      "(refresh videos cannot be matched to a request); the next apply creates it again")
            return
        if exc is not None:
            self.handle_error([run], exc)
            return
        task_ids = tuple(future.result())
        self.videos_created += len(task_ids)
        self.journal.update(run.job.key, state="submitted", task_ids=task_ids)
        run.phase, run.busy, run.due = "polling", False, self.clock.time() + facts.REFRESH_PROCESSING_SECONDS / 2
        self.reporter.job_event(run.job.key, "created", f"tasks {', '.join(task_ids)}")

    def on_refresh_polled(self, runs: list[_Run], future: cf.Future[Any]) -> None:
        for run in runs:
            run.busy = False
        exc = future.exception()
        if exc is not None:
            self.handle_poll_error(runs, exc)
            return
        tasks = {t.task_id: t for t in future.result()}
        for run in runs:
            record = self.journal.record(run.job.key)
            assert record is not None
            mine = [tasks.get(t) for t in record.task_ids]
            if any(t is None or t.status in ("SUBMITTED", "PROCESSING") for t in mine):
                run.due = self.clock.time() + 6.0
                continue
            finished = [t for t in mine if t is not None]
            video_ids = tuple(t.video_id for t in finished if t.status == "SUCCESS" and t.video_id)
            for t in finished:
                if t.status == "SUCCESS" and t.video_id and t.preview_url:
                    self.queue_download(run.job.key, t.video_id, t.preview_url)
            if len(video_ids) == len(finished):
                self.succeed(run, video_ids=video_ids)
            else:
                self.journal.update(run.job.key, video_ids=video_ids)  # never lose the ones that were made
                errors = "; ".join(t.error or "task failed" for t in finished if t.status != "SUCCESS")
                self.fail(run, "TASK_FAILED", errors)

    def launch_heygen(self, run: _Run) -> None:
        heygen = self.providers.heygen
        assert heygen is not None
        self.write_ahead(run)
        self.journal.flush()
        req = run.job.request
        self.submit(lambda: heygen.create_video(avatar_id=str(req["avatar_id"]), script=str(req["script"]), voice_id=str(req["voice_id"]),
                                                aspect_ratio=str(req["aspect_ratio"]), idempotency_key=run.job.key),
                    lambda f: self.on_heygen_created(run, f))

    def on_heygen_created(self, run: _Run, future: cf.Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            if isinstance(exc, OutcomeUnknown):
                run.phase, run.busy = "ready", False  # the Idempotency-Key makes a repeat safe
                return
            self.handle_error([run], exc)
            return
        self.videos_created += 1
        self.journal.update(run.job.key, state="submitted", task_ids=(str(future.result()),))
        run.phase, run.busy, run.due = "polling", False, self.clock.time() + facts.HEYGEN_PROCESSING_SECONDS / 2

    def poll_heygen(self, run: _Run) -> None:
        heygen = self.providers.heygen
        assert heygen is not None
        record = self.journal.record(run.job.key)
        assert record is not None and record.task_ids
        run.busy = True
        video_id = record.task_ids[0]
        self.submit(lambda: heygen.get_video(video_id), lambda f: self.on_heygen_polled(run, f))

    def on_heygen_polled(self, run: _Run, future: cf.Future[Any]) -> None:
        run.busy = False
        exc = future.exception()
        if exc is not None:
            self.handle_poll_error([run], exc)
            return
        video: HeyGenVideo = future.result()
        if video.status == "completed":
            if video.video_url:
                self.queue_download(run.job.key, video.video_id, video.video_url)
            self.succeed(run, video_ids=(video.video_id,))
        elif video.status == "failed":
            self.fail(run, "RENDER_FAILED", video.error or "the render failed")
        else:
            run.due = self.clock.time() + 12.0

    def rename(self, key: str, job: Job) -> None:
        record = self.journal.record(key)
        if record is None:
            return
        if job.kind != "avatar_video" or not record.video_ids or self.providers.tiktok is None:
            self.journal.update(key, name=job.name)  # no rename endpoint for this kind: the lockfile keeps the name
            return
        tiktok = self.providers.tiktok
        new_name = tagged_video_name(job.name or key, key, limit=facts.RENAME_MAX_CHARS)
        tiktok.rename_video(record.video_ids[0], new_name)
        self.journal.update(key, name=job.name, video_name=new_name)
        self.reporter.job_event(key, "renamed", new_name)

    # --- artifacts ---------------------------------------------------------------------------------
    def queue_download(self, key: str, video_id: str, url: str) -> None:
        if self.options.downloads and self.options.artifacts_dir is not None:
            self.downloads.append((key, video_id, url))

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
            self.submit(partial(self.fetch_missing, key, record), partial(self.on_missing_fetched, key))
        while self.downloads and self.room():
            key, video_id, url = self.downloads.pop(0)
            target = artifacts.artifact_path(folder, key, video_id)
            self.download_requests += 1
            self.submit(partial(artifacts.download, url, target, self.lock_dir, video_id, self.http),
                        partial(self.on_downloaded, key))

    def fetch_missing(self, key: str, record: JobRecord) -> list[tuple[str, str]]:
        """Fresh URLs of a finished job's videos whose files are missing."""
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


def execute(plan: Plan, lock: Lockfile, lock_path: Path, providers: Providers, options: ExecuteOptions, *,
            clock: Clock, reporter: Reporter | None = None) -> ApplyResult:
    """Run the plan; every state change reaches the lockfile before any request that depends on it."""
    return Engine(plan, Journal(lock_path, lock), providers, options, clock, reporter or SilentReporter()).run()
