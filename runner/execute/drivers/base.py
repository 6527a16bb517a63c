"""What every driver is: the protocol the scheduler drives, what it is handed, and the steps drivers share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from runner.execute.downloads import DownloadQueue
from runner.execute.ledger import Ledger
from runner.execute.outcome import Outcome
from runner.execute.pacing import LATE, PollPacer
from runner.execute.ports import Ports
from runner.execute.replies import Replies
from runner.execute.runs import JobRun, RunGraph
from runner.execute.scheduler import Scheduler
from runner.lock.records import JobRecord
from runner.providers.errors import PermanentError, RunStopped
from runner.vocabulary.errors import ErrorCode
from runner.vocabulary.kinds import KindSpec
from runner.vocabulary.states import Event, Phase

LOST_AFTER_MISSES = 3  # polls in a row that leave a task out before it counts as forgotten by the provider
SOON = 0.05  # seconds: when a driver cannot tell when its next create could go, look again this soon
DEFAULT_BOUND = 60.0  # seconds a task is taken to need when its kind's entry does not say
STUCK_FACTOR = 10.0  # a task still running after this many times its documented bound is not polled again this run
SPLIT_SPACING = 1.5  # seconds between the polls of a refused batch's jobs (beyond the poll horizon: never batched)


class Driver(Protocol):
    """What the scheduler asks of a kind."""

    kind: str
    spec: KindSpec
    create_batch: int  # ready jobs per create call
    poll_batch: int  # due jobs per poll call
    pacer: PollPacer
    urls_renew: bool  # the provider hands out a fresh download URL for a finished video

    def bound(self, run: JobRun) -> float:
        """The documented processing bound of the job's tasks (seconds)."""

    def can_create(self) -> bool:
        """Whether a create may go out now (pacing windows, concurrency caps)."""

    def create_ready_in(self) -> float:
        """Seconds until a waiting create could go (small when unknown)."""

    def create(self, runs: list[JobRun]) -> None:
        """Write ahead and send one create for these ready jobs."""

    def poll(self, runs: list[JobRun]) -> None:
        """Look at due jobs (polls, adoption look-ups)."""

    def resume_pending(self, run: JobRun, record: JobRecord) -> None:
        """Continue a job the lockfile left `pending` (its create's reply was never recorded)."""

    def resume_submitted(self, run: JobRun, record: JobRecord) -> None:
        """Poll a job the lockfile left `submitted`."""

    def rename(self, key: str) -> None:
        """Give a finished job its current name (at the provider when it can rename, else in the lockfile)."""

    def fresh_urls(self, record: JobRecord) -> list[tuple[str, str]]:
        """(video id, fresh URL) of a finished job's videos; runs on a worker (reads only the record given)."""


@dataclass(frozen=True)
class DriverParts:
    """What a driver is handed: its kind's entry, the run's parts, and the drivers of other kinds."""

    spec: KindSpec
    scheduler: Scheduler
    ledger: Ledger
    graph: RunGraph
    replies: Replies
    downloads: DownloadQueue
    ports: Ports
    driver_of: Callable[[str], Driver]  # another kind's driver (an upload asks its source's for a fresh URL)


class DriverBase:
    """Defaults and the steps every driver shares: pacing polls, finishing a job, noticing forgotten tasks."""

    create_batch = 1
    poll_batch = 1
    urls_renew = False

    def __init__(self, parts: DriverParts) -> None:
        self.spec = parts.spec
        self.kind = parts.spec.name
        self.parts = parts
        self.scheduler = parts.scheduler
        self.ledger = parts.ledger
        self.graph = parts.graph
        self.replies = parts.replies
        self.downloads = parts.downloads
        self.options = parts.ports.options
        self.clock = parts.ports.clock
        self.reporter = parts.ports.reporter
        self.pacer = PollPacer()

    @property
    def owner(self) -> str:
        """The campaign whose lockfile this run writes: the provider-side names it makes carry its tag."""
        return self.ledger.journal.lock.campaign

    # --- defaults ------------------------------------------------------------------------------
    def bound(self, run: JobRun) -> float:
        """The kind's documented processing time (its registry entry's)."""
        return self.spec.costs.processing_seconds or DEFAULT_BOUND

    def client(self) -> object:
        """This kind's provider's client."""
        return self.parts.ports.providers.need(self.spec.provider)

    def has_client(self) -> bool:
        """Whether the run was given a client for this kind's provider."""
        return self.parts.ports.providers.client(self.spec.provider) is not None

    def can_create(self) -> bool:
        """The client paces its provider's rate."""
        return self.has_client()

    def create_ready_in(self) -> float:
        """Unknown: look again soon."""
        return SOON

    def create(self, runs: list[JobRun]) -> None:
        """A kind that is only ever polled."""
        raise NotImplementedError(f"{self.kind} jobs are not created by this driver")

    def poll(self, runs: list[JobRun]) -> None:
        """Nothing to poll."""

    def resume_pending(self, run: JobRun, record: JobRecord) -> None:
        """Create it again."""
        run.before = None
        self.scheduler.make_ready(run)

    def resume_submitted(self, run: JobRun, record: JobRecord) -> None:
        """Poll at once; the task's age counts from its recorded create."""
        now_wall, now = self.clock.time(), self.clock.monotonic()
        run.phase = Phase.POLLING
        run.accepted_at = now - max(0.0, now_wall - (record.submitted_at or now_wall))
        self.scheduler.schedule(run, 0.0)

    def rename(self, key: str) -> None:
        """No rename endpoint: the lockfile keeps the new name."""
        if self.ledger.record(key) is not None:
            self.ledger.rename(key, name=self.graph.jobs[key].name)

    def fresh_urls(self, record: JobRecord) -> list[tuple[str, str]]:
        """Nothing to fetch."""
        return []

    def after_success(self, run: JobRun) -> None:
        """What follows a job's success (nothing by default)."""

    # --- shared steps --------------------------------------------------------------------------
    def observe(self, run: JobRun) -> None:
        """Feed a finished task's time into this kind's pacer: at most until the look that found it finished was sent
        (not the time that look waited for a slot), at least until the look before found it running."""
        if run.accepted_at:
            running = run.seen_running - run.accepted_at if run.seen_running > run.accepted_at else 0.0
            found = run.look_sent if run.look_sent > run.accepted_at else self.clock.monotonic()
            on_time = found - run.due <= LATE
            self.pacer.observe(found - run.accepted_at, self.bound(run), at_least=running, on_time=on_time)

    def first_poll(self, run: JobRun) -> None:
        """Schedule the first look after a create."""
        self.scheduler.schedule(run, self.pacer.first(self.bound(run)))

    def poll_again(self, run: JobRun) -> None:
        """Schedule the next look at an unfinished task (the look just made found it still rendering).

        One running far past its bound is left for the next apply.
        """
        run.seen_running = run.look_sent
        age, bound = self.clock.monotonic() - run.accepted_at, self.bound(run)
        if age > STUCK_FACTOR * bound:
            self.reporter.job_event(
                run.key,
                "unfinished",
                f"still running after {age:.0f} s, {STUCK_FACTOR:g}x its documented {bound:.0f} s; "
                "the next apply (or status --refresh) looks again, nothing is paid",
            )
            return  # no timer: the run ends with the job unfinished, still recorded as submitted
        self.scheduler.schedule(run, self.pacer.next(age, bound))

    def finish(self, run: JobRun, outcome: Outcome, **fields: Any) -> None:
        """Record a finished job (videos of failed tasks' siblings are kept: they were paid for)."""
        self.observe(run)
        record = self.ledger.record(run.key)
        earlier = tuple(v for v in (record.video_ids if record else ()) if v not in outcome.video_ids)
        video_ids = earlier + outcome.video_ids
        for video_id, url in outcome.urls:
            run.preview[video_id] = url
            self.downloads.video(run.key, video_id, url, renewable=self.urls_renew)
        if outcome.succeeded:
            self.ledger.succeed(run, Event.TASK_SUCCEEDED, video_ids, **fields)
            self.after_success(run)
        else:
            self.ledger.fail(run, Event.TASK_FAILED, str(outcome.error_code), str(outcome.error), video_ids=video_ids)

    def tasks_missing(self, run: JobRun, words: str = "") -> bool:
        """Count a poll that left the job's tasks out (or refused them); True once the provider has clearly forgotten them."""
        run.missing += 1
        if run.missing < LOST_AFTER_MISSES:
            return False
        ids = ", ".join(self.ledger.task_ids(run))
        said = f" ({words})" if words else ""
        self.conclude_lost(run, f"the provider no longer knows task {ids}{said}")
        return True

    def conclude_lost(self, run: JobRun, message: str) -> None:
        """The provider forgot the job's tasks: it fails (the next apply creates it again, within max_retries)."""
        self.ledger.fail(run, Event.TASK_LOST, ErrorCode.TASK_LOST, message)

    def task_poll(self, runs: list[JobRun], on_result: Callable[[Any], None]) -> Callable[[Any], None]:
        """The reply handler of a poll of these jobs' tasks: a definite refusal counts as a poll that left them out."""
        return self.replies.poll(runs, on_result, partial(self.poll_refused, runs))

    def poll_refused(self, runs: list[JobRun], exc: BaseException) -> bool:
        """A poll the provider refused outright (it no longer knows an id): never a transient failure.

        A refused batch is polled one job at a time, so only the job it names counts the refusal.
        """
        if not isinstance(exc, PermanentError) or isinstance(exc, RunStopped):
            return False
        if len(runs) > 1:
            for index, run in enumerate(runs):
                self.replies.poll_later(run, SPLIT_SPACING * index)
            return True
        run = runs[0]
        if not self.tasks_missing(run, f"{exc.code} {exc.message}".strip()):
            self.replies.poll_later(run)
        return True
