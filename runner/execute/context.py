"""What a driver works with: the job runs, the journal, the providers, timers, and state changes through the table."""

from __future__ import annotations

import collections
import concurrent.futures as cf
import heapq
import itertools
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from runner import api_facts as facts
from runner.clock import Clock
from runner.execute.journal import Journal
from runner.execute.pacing import PollPacer
from runner.execute.ports import ExecuteOptions, Providers, Reporter
from runner.execute.requests import Request, request_for
from runner.lock.lockfile import JobError, JobRecord
from runner.plan.job import Job
from runner.providers.budget import TransientBudget, TransientLimits
from runner.providers.errors import NotSent, PermanentError, ProviderError, RunStopped, TransientError
from runner.vocabulary.errors import ErrorCode
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.names import tagged_video_name
from runner.vocabulary.states import BEFORE, NONE, Event, JobState, Phase, transition

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0


class Interrupted(Exception):
    """Raised inside a create that had not been sent when the run was asked to stop."""


def not_sent(exc: BaseException) -> bool:
    """True when no request can have reached the server (connect refused, DNS, TLS, invalid URL, interrupted)."""
    if isinstance(exc, Interrupted):
        return True
    return isinstance(exc, NotSent)


@dataclass(eq=False)
class JobRun:
    """One job within this run (memory only; the journal has the durable part)."""

    job: Job
    request: Request
    phase: Phase
    priority: int = 1  # 0: feeds a refresh chain (the critical path)
    before: JobRecord | None = None  # the record before this run's write-ahead: what a rollback restores
    unmet: int = 0  # dependencies not yet succeeded
    due: float = 0.0
    timer: int = 0  # the live timer entry's number (older entries are stale)
    accepted_at: float = 0.0  # monotonic time of the create's reply (poll ages)
    lost_at: float = 0.0  # monotonic time a create's reply was lost (adoption)
    missing: int = 0  # polls in a row whose reply left its tasks out
    rename: bool = False  # the name changed while the job was in flight
    consent_asked: bool = False  # a digital twin's consent URL was shown in this run
    preview: dict[str, str] = field(default_factory=dict)  # video id -> fresh signed URL (memory only)

    @property
    def kind(self) -> JobKind:
        """The job's kind."""
        return JobKind(self.job.kind)


def backoff(streak: int) -> float:
    """Seconds to hold creates after the latest transient failure (doubling with the streak, capped)."""
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, streak - 1)))


class Context:
    """The run's shared state; every method runs on the engine's thread (replies come through `completions`)."""

    def __init__(
        self, journal: Journal, providers: Providers, options: ExecuteOptions, clock: Clock, reporter: Reporter
    ) -> None:
        self.journal = journal
        self.providers = providers
        self.options = options
        self.clock = clock
        self.reporter = reporter
        self.runs: dict[str, JobRun] = {}
        self.dependents: dict[str, list[JobRun]] = {}
        self.pool = cf.ThreadPoolExecutor(max_workers=max(1, options.parallelism))
        self.completions: queue.SimpleQueue[tuple[Callable[[cf.Future[Any]], None], cf.Future[Any]]] = (
            queue.SimpleQueue()
        )
        self.in_flight = 0
        self.creates_in_flight: dict[JobKind, int] = {kind: 0 for kind in JobKind}
        self.stopping = threading.Event()
        self.pacers: dict[JobKind, PollPacer] = {kind: PollPacer() for kind in JobKind}
        self.budget = providers.budget or TransientBudget(
            clock, TransientLimits(options.transient_attempts, options.transient_seconds)
        )
        self.ready: dict[JobKind, list[tuple[int, int, JobRun]]] = {kind: [] for kind in JobKind}
        self.timers: dict[JobKind, list[tuple[float, int, JobRun]]] = {kind: [] for kind in JobKind}
        self._seq = itertools.count(1)
        self.videos_created = 0
        self.finished = 0
        self.jobs: dict[str, Job] = {}  # every job of the plan, run or not (a forgotten upload is run again)
        self.rendering: dict[JobKind, set[str]] = {kind: set() for kind in JobKind}
        self.downloads: collections.deque[tuple[str, str, str]] = collections.deque()  # (key, video id, url)
        self.fresh_url_wanted: collections.deque[str] = collections.deque()
        self.reuploaded: set[str] = set()
        self.hold_until: dict[JobKind, float] = {
            kind: 0.0 for kind in JobKind
        }  # creates back off after transient trouble
        self.reasons: dict[str, str] = {}  # why the plan re-renders a job (`--replace SEL`)
        self.consent_urls: dict[
            str, str
        ] = {}  # twin key -> the URL its subject must visit (memory only: never written)
        self.consent_deadline = clock.monotonic() + options.wait_consent_seconds
        self.replaces: dict[str, str] = {}  # new key -> the key it replaces (dropped once the new one succeeded)

    # --- requests ----------------------------------------------------------------------------
    def room(self) -> bool:
        """Whether another request may go out now."""
        return self.in_flight < max(1, self.options.parallelism) and not self.stopping.is_set()

    def submit(
        self, fn: Callable[[], Any], on_done: Callable[[cf.Future[Any]], None], *, create: JobKind | None = None
    ) -> None:
        """Run `fn` on the pool; `on_done` runs on the engine's thread as soon as its reply arrives."""
        self.in_flight += 1
        if create is not None:
            self.creates_in_flight[create] += 1
        stopping = self.stopping

        def guarded() -> Any:
            if create is not None and stopping.is_set():
                raise Interrupted()  # a paid create not yet sent when the run was asked to stop
            return fn()

        def done(future: cf.Future[Any]) -> None:
            self.in_flight -= 1
            if create is not None:
                self.creates_in_flight[create] -= 1
            on_done(future)

        future = self.pool.submit(guarded)
        future.add_done_callback(lambda f: self.completions.put((done, f)))

    # --- queues ------------------------------------------------------------------------------
    def make_ready(self, run: JobRun) -> None:
        """Queue a job for its create (dependencies first, refresh-chain sources before the rest)."""
        run.phase = Phase.READY
        heapq.heappush(self.ready[run.kind], (run.priority, next(self._seq), run))

    def schedule(self, run: JobRun, delay: float) -> None:
        """Look at the job again in `delay` seconds (a poll or an adoption look-up)."""
        run.due = self.clock.monotonic() + max(0.0, delay)
        run.timer = next(self._seq)
        heapq.heappush(self.timers[run.kind], (run.due, run.timer, run))

    # --- state changes through the table --------------------------------------------------
    def _state_of(self, run: JobRun) -> str:
        record = self.journal.record(run.job.key)
        return record.state if record is not None else NONE

    def write_ahead(self, run: JobRun, event: Event = Event.SEND, **fields: Any) -> JobRecord:
        """Record `pending` (attempts + 1, submitted_at) before a paid create is sent."""
        job = run.job
        old = self.journal.record(job.key)
        row = transition(old.state if old else NONE, event)
        if old is None or old.state != JobState.PENDING:
            run.before = old
        paid_before = (
            old is not None and old.state in (JobState.FAILED, JobState.PENDING) and job.kind == JobKind.REFRESH_VIDEO
        )
        kept_videos = old.video_ids if old is not None and paid_before else ()  # paid for: never dropped
        replaced = old.replaced if old is not None else None
        if old is not None and old.state == JobState.SUCCEEDED:  # a re-render on request keeps what it supersedes
            replaced = {
                "reason": self.reasons.get(job.key) or "--replace",
                "video_ids": list(old.video_ids),
                "task_ids": list(old.task_ids),
            }
        elif old is not None and old.error is not None and old.error.code == ErrorCode.CHECK_FAILED and old.video_ids:
            # a video rejected by the post-render check was paid for: keep its ids as a --replace does
            replaced = {"reason": old.error.message, "video_ids": list(old.video_ids), "task_ids": list(old.task_ids)}
        record = JobRecord(
            kind=job.kind,
            provider=job.provider,
            state=JobState(row.to),
            addresses=job.addresses,
            name=job.name,
            depends_on=job.depends_on,
            attempts=(old.attempts if old else 0) + row.attempts,
            submitted_at=self.clock.time(),
            video_ids=kept_videos,
            request=dict(job.request),
            replaced=replaced,
            **fields,
        )
        self.journal.put(job.key, record)
        run.phase = Phase.CREATING
        return record

    def roll_back(self, run: JobRun, event: Event) -> None:
        """Restore the record from before the write-ahead (nothing was paid)."""
        row = transition(self._state_of(run), event)
        assert row.to == BEFORE
        self.journal.put(run.job.key, run.before)

    def accept(self, run: JobRun, task_ids: tuple[str, ...]) -> None:
        """The create's reply: record its task ids, then poll."""
        row = transition(self._state_of(run), Event.ACCEPTED)
        self.journal.update(run.job.key, state=JobState(row.to), task_ids=task_ids, error=None)
        run.phase, run.accepted_at, run.missing = Phase.POLLING, self.clock.monotonic(), 0

    def succeed(self, run: JobRun, event: Event, video_ids: tuple[str, ...], **fields: Any) -> None:
        """Record the job's videos; its dependents may start."""
        row = transition(self._state_of(run), event)
        self.journal.update(
            run.job.key,
            state=JobState(row.to),
            video_ids=video_ids,
            error=None,
            finished_at=self.clock.time(),
            name=run.job.name,
            **fields,
        )
        run.phase = Phase.DONE
        self.finished += 1
        old = self.replaces.get(run.job.key)
        if old is not None and old != run.job.key:
            self.journal.drop([old])
        self.reporter.job_event(run.job.key, "succeeded", ", ".join(video_ids))
        for dependent in self.dependents.get(run.job.key, ()):
            dependent.unmet -= 1
            if dependent.unmet == 0 and dependent.phase == Phase.WAITING:
                self.make_ready(dependent)

    def fail(self, run: JobRun, event: Event, code: str, message: str, **fields: Any) -> None:
        """Record why the job failed; its dependents are blocked for this run."""
        row = transition(self._state_of(run), event)
        self.journal.update(
            run.job.key, state=JobState(row.to), error=JobError(code, message), finished_at=self.clock.time(), **fields
        )
        run.phase = Phase.FAILED
        self.finished += 1
        self.reporter.job_event(run.job.key, "failed", f"{code}: {message}")
        self.block_dependents(run, f"{run.job.key} failed")

    def refuse(self, run: JobRun, exc: PermanentError) -> None:
        """A definite refusal of a create: not an attempt (nothing was made); the provider's words are kept."""
        record = self.journal.record(run.job.key)
        attempts = max(0, (record.attempts if record else 0) + transition(self._state_of(run), Event.REFUSED).attempts)
        self.fail(run, Event.REFUSED, exc.code, exc.message, attempts=attempts)

    def note(self, run: JobRun, event: Event) -> None:
        """An event that keeps the recorded state (checked against the table)."""
        state = self._state_of(run)
        assert transition(state, event).to == state

    def park(self, run: JobRun, reason: str) -> None:
        """A twin waits on a person: it and every job downstream stop for this run; a later apply goes on."""
        run.phase = Phase.CONSENT
        self.finished += 1
        self.reporter.job_event(run.job.key, "waiting", reason)
        stack = list(self.dependents.get(run.job.key, ()))
        while stack:
            dependent = stack.pop()
            if dependent.phase in (Phase.WAITING, Phase.READY):
                dependent.phase = Phase.CONSENT
                self.finished += 1
                stack.extend(self.dependents.get(dependent.job.key, ()))

    def block_dependents(self, run: JobRun, reason: str) -> None:
        """Every job downstream of a failed one is blocked for this run."""
        stack = list(self.dependents.get(run.job.key, ()))
        while stack:
            dependent = stack.pop()
            if dependent.phase in (Phase.WAITING, Phase.READY):
                dependent.phase = Phase.BLOCKED
                self.finished += 1
                self.reporter.job_event(dependent.job.key, "blocked", reason)
                stack.extend(self.dependents.get(dependent.job.key, ()))

    # --- errors ------------------------------------------------------------------------------
    def create_failed(self, runs: list[JobRun], exc: BaseException) -> None:
        """A create raised: not sent, refused, auth, or transient; the outcome-unknown case is the driver's."""
        for run in runs:
            if not_sent(exc) or isinstance(exc, RunStopped):
                self.roll_back(run, Event.AUTH_REFUSED if isinstance(exc, RunStopped) else Event.NOT_SENT)
                if not isinstance(exc, (RunStopped, Interrupted)):
                    self.make_ready(run)
                else:
                    run.phase = Phase.READY
            elif isinstance(exc, PermanentError):
                self.refuse(run, exc)
            elif isinstance(exc, TransientError):  # answered "try again": it had no effect
                self.roll_back(run, Event.NOT_SENT)
                self.make_ready(run)
            else:
                raise exc
        if isinstance(exc, RunStopped):
            raise exc
        if isinstance(exc, ProviderError) and not isinstance(exc, PermanentError):
            self.budget.failed(exc)
            for kind in {run.kind for run in runs}:
                self.hold_until[kind] = self.clock.monotonic() + backoff(self.budget.streak)

    def poll_failed(self, runs: list[JobRun], exc: BaseException) -> None:
        """A poll raised: free to repeat, within the transient budget."""
        if isinstance(exc, RunStopped) or not isinstance(exc, ProviderError):
            raise exc
        for run in runs:
            self.schedule(run, self.pacers[run.kind].next(self.clock.monotonic() - run.accepted_at, 60.0))
        self.budget.failed(exc)

    def replace_record(self, run: JobRun, **changes: Any) -> None:
        """Change fields of the job's record without a state change."""
        record = self.journal.record(run.job.key)
        assert record is not None
        self.journal.put(run.job.key, replace(record, **changes))

    def task_ids(self, run: JobRun) -> tuple[str, ...]:
        """The job's recorded task ids."""
        record = self.journal.record(run.job.key)
        return record.task_ids if record is not None else ()

    # --- videos ------------------------------------------------------------------------------
    def queue_download(self, key: str, video_id: str, url: str) -> None:
        """Download a finished video at once (its URL expires)."""
        if self.options.downloads and self.options.artifacts_dir is not None:
            self.downloads.append((key, video_id, url))

    def fresh_urls(self, record: JobRecord) -> list[tuple[str, str]]:
        """(video id, fresh URL) of a finished job's videos; runs on a worker (reads only the record given)."""
        if record.kind == JobKind.HEYGEN_VIDEO:
            heygen = self.providers.heygen
            assert heygen is not None
            video = heygen.get_video(record.video_ids[0])
            return [(video.video_id, video.video_url)] if video.video_url else []
        tiktok = self.providers.tiktok
        assert tiktok is not None
        if record.kind == JobKind.AVATAR_VIDEO and record.task_ids:
            return [
                (t.video_id, t.preview_url)
                for t in tiktok.get_avatar_tasks(list(record.task_ids))
                if t.video_id and t.preview_url
            ]
        if record.kind == JobKind.REFRESH_VIDEO:
            pairs = []
            for i in range(0, len(record.task_ids), facts.MAX_TASK_IDS_PER_GET):
                chunk = list(record.task_ids[i : i + facts.MAX_TASK_IDS_PER_GET])
                pairs += [
                    (t.video_id, t.preview_url) for t in tiktok.get_refresh_tasks(chunk) if t.video_id and t.preview_url
                ]
            return pairs
        return [
            (v.video_id, v.preview_url)
            for v in tiktok.list_avatar_videos()
            if v.video_id in record.video_ids and v.preview_url
        ]

    def fresh_url(self, key: str, record: JobRecord) -> str:
        """A fresh URL of a finished job's first video (worker thread)."""
        urls = [url for video_id, url in self.fresh_urls(record) if video_id == record.video_ids[0]]
        if not urls:
            raise PermanentError("tiktok", "preview", "NO_URL", f"no preview URL for the video of {key}")
        return urls[0]

    def rename(self, key: str) -> None:
        """Give a finished avatar video the job's current name (keeping the adoption tag)."""
        record = self.journal.record(key)
        job = self.jobs[key]
        tiktok = self.providers.tiktok
        if record is None or not record.video_ids or tiktok is None or job.kind != JobKind.AVATAR_VIDEO:
            if record is not None:
                self.journal.update(key, name=job.name)  # no rename endpoint for this kind: the lockfile keeps the name
            return
        new_name = tagged_video_name(job.name or key, key, limit=facts.RENAME_MAX_CHARS)
        video_id = record.video_ids[0]

        def renamed(future: cf.Future[Any]) -> None:
            exc = future.exception()
            if exc is not None:
                self.reporter.job_event(key, "rename failed", str(exc))
                return
            self.journal.update(key, name=job.name, video_name=new_name)
            self.reporter.job_event(key, "renamed", new_name)

        self.submit(lambda: tiktok.rename_video(video_id, new_name), renamed)

    def source_forgotten(self, run: JobRun, exc: PermanentError) -> bool:
        """A refresh refused because the provider lost its uploaded stock video: upload again (once per run)."""
        request = run.request
        upload_key = getattr(request, "upload_job", None)
        if upload_key is None or "video_id" not in exc.message or upload_key in self.reuploaded:
            return False
        self.reuploaded.add(upload_key)
        self.roll_back(run, Event.SOURCE_FORGOTTEN)
        upload = self.journal.record(upload_key)
        if upload is not None:
            row = transition(upload.state, Event.SOURCE_FORGOTTEN)
            assert row.to == NONE
            self.journal.put(upload_key, None)
        upload_run = self.runs.get(upload_key)
        if upload_run is None:
            upload_run = self.new_run(self.jobs[upload_key])
        elif upload_run.phase == Phase.DONE:
            self.finished -= 1
        self.reporter.job_event(upload_key, "source forgotten", f"{exc.message}; uploading it again")
        run.phase, run.unmet = Phase.WAITING, 1
        self.dependents.setdefault(upload_key, []).append(run)
        self.make_ready(upload_run)
        return True

    def new_run(self, job: Job) -> JobRun:
        """A run for a job the plan did not list (e.g. a forgotten upload); the scheduler counts it."""
        run = JobRun(job, request_for(job), Phase.WAITING, priority=0)
        self.runs[job.key] = run
        return run
