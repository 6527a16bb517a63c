"""The apply engine: a scheduler that knows nothing of job kinds, driving one driver per kind.

Replies are handled the moment they arrive (journaled before anything that depends on them);
creates go out before polls; while an app's creates wait, its polls take at most half of its rate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from runner.clock import Clock
from runner.execute.artifacts import needs_downloads
from runner.execute.capabilities import CountsRequests
from runner.execute.consent_notice import ConsentNotifier
from runner.execute.downloads import DownloadQueue, Downloads
from runner.execute.drivers import Drivers
from runner.execute.drivers.base import Driver, DriverParts
from runner.execute.journal import Journal, Mirror
from runner.execute.ledger import Ledger
from runner.execute.poll_share import poll_shares
from runner.execute.ports import ApplyResult, ExecuteOptions, Ports, Providers, Reporter, SilentReporter
from runner.execute.replies import Replies
from runner.execute.runs import RunGraph
from runner.execute.scheduler import Scheduler
from runner.execute.setup import RunParts, from_lockfile, from_plan
from runner.lock.records import Lockfile
from runner.plan.model import Plan
from runner.providers.budget import TransientBudget, TransientLimits
from runner.providers.errors import RunStopped
from runner.vocabulary.kinds import KindSpec
from runner.vocabulary.states import Phase

__all__ = [
    "ApplyResult",
    "Engine",
    "EngineStopped",
    "ExecuteOptions",
    "Providers",
    "Refreshed",
    "Reporter",
    "SilentReporter",
    "execute",
    "needs_downloads",
    "refresh_submitted",
]

POLL_HORIZON = 1.0  # a task due this soon joins a poll that is going out now (fewer calls, same latency)
IDLE_SLICE = 0.25  # longest sleep between looks at the interrupt flag
STOP_SLICE = 0.1  # after a stop, how long each wait for a reply lasts
REPORT_EVERY = 0.5  # seconds between progress reports


class EngineStopped(Exception):
    """The run stopped before every job finished: interrupted, out of transient budget, or refused credentials."""

    def __init__(self, result: ApplyResult, cause: BaseException | None) -> None:
        self.result = result
        self.cause = cause
        super().__init__(str(cause) if cause else "interrupted")


class Engine:
    """One run; see docs/apply.md for the state machine and the scheduling rules."""

    def __init__(self, journal: Journal, ports: Ports, *, poll_only: bool = False, eta_seconds: float = 0.0) -> None:
        self.journal = journal
        self.ports = ports
        self.clock = ports.clock
        self.poll_only = poll_only  # look at submitted jobs once: no creates, no downloads
        self.eta_seconds = eta_seconds
        options = ports.options
        self.graph = RunGraph()
        self.scheduler = Scheduler(options.parallelism, self.clock, journal.flush, once=poll_only, fence=journal.fence)
        self.ledger = Ledger(
            journal, self.graph, self.scheduler.make_ready, self.clock, ports.reporter, options.max_retries
        )
        budget = ports.providers.budget or TransientBudget(
            self.clock, TransientLimits(options.transient_attempts, options.transient_seconds)
        )
        self.replies = Replies(self.ledger, self.scheduler, budget, self.clock)
        self.queue = DownloadQueue(ports.downloads and not poll_only)
        self.drivers = Drivers(self._driver_parts)
        self.downloads = Downloads(
            self.queue,
            self.scheduler,
            self.ledger,
            self.replies,
            ports,
            self.drivers.get,
            self.graph.jobs,
        )
        self.parts = RunParts(journal, self.graph, self.ledger, self.scheduler, self.drivers, self.queue, ports)
        self.shares = poll_shares(ports.providers, ports.providers.clients)
        self.started = self.clock.monotonic()
        self.last_report: float | None = None
        self.said_waiting: dict[str, str] = {}  # kind -> why its creates wait, as last told (told once per cause)
        self.polls_held: set[str] = set()  # kinds whose due polls wait for their share of the rate

    def _driver_parts(self, spec: KindSpec) -> DriverParts:
        return DriverParts(
            spec, self.scheduler, self.ledger, self.graph, self.replies, self.queue, self.ports, self.drivers.get
        )

    @property
    def stopping(self) -> bool:
        """Whether the run was asked to stop (first interrupt)."""
        return self.scheduler.stopping.is_set()

    def stop(self) -> None:
        """Stop sending creates and polls; replies of requests already sent are still recorded."""
        self.scheduler.stopping.set()

    # --- the loop ------------------------------------------------------------------------------
    def run(self, prepare: Callable[[RunParts], None]) -> ApplyResult:
        """Prepare, then run until every job finished, or stop cleanly (EngineStopped) on interrupt or refusal."""
        cause: BaseException | None = None
        try:
            prepare(self.parts)
            cause = self._loop()
            if self.stopping:
                self.finish_in_flight()
        finally:
            cause = self._close_journal(cause)
            self.scheduler.shutdown()
            self.downloads.close()
        result = self.result()
        if self.stopping:
            raise EngineStopped(result, cause)
        return result

    def _close_journal(self, cause: BaseException | None) -> BaseException | None:
        """Flush and compact; a backend that fails now stops the run as before, the checkout keeping everything."""
        try:
            self.journal.flush()
            self.journal.compact()
        except RunStopped as exc:
            self.stop()
            self.journal.compact()  # the backend is let go of: the checkout's lockfile alone
            return cause or exc
        return cause

    def _loop(self) -> BaseException | None:
        """Drain, launch, wait, until nothing is left; the reason it stopped early, if any."""
        while True:
            try:
                self.scheduler.drain(block_for=0.0)
                if self.stopping:
                    return None
                self.launch()
                if not self.scheduler.pending() and not self.work_left():
                    return None
                self.wait()
            except RunStopped as exc:
                self.stop()
                return exc
            self.report()

    def finish_in_flight(self) -> None:
        """After a stop: record the replies of requests already sent, for a bounded time.

        Bounded on the run's clock, and by the time spent waiting with nothing arriving (a clock that
        only moves when slept on does not move while the engine waits for replies).
        """
        grace = self.ports.options.stop_grace_seconds
        deadline = self.clock.monotonic() + grace
        idle = 0.0
        while self.scheduler.pending() and self.clock.monotonic() < deadline and idle < grace:
            block = min(STOP_SLICE, max(0.0, deadline - self.clock.monotonic()))
            try:
                if not self.scheduler.drain(block_for=block):
                    idle += block
            except RunStopped:
                continue

    def work_left(self) -> bool:
        """Whether anything is queued: creates, timers or downloads."""
        return self.scheduler.busy() or self.queue.pending()

    def wait(self) -> None:
        """Until the next reply, or the next moment something could be sent (in slices, so an interrupt is seen).

        What waits only for a free request slot is woken by the reply that frees it, never by spinning.
        """
        wait = min(self.next_chance(self.clock.monotonic()), IDLE_SLICE)
        if self.scheduler.pending():
            self.scheduler.drain(block_for=max(wait, 0.001))
        elif wait > 0:
            self.clock.sleep(wait)

    def next_chance(self, now: float) -> float:
        """Seconds until a timer is due, a poll share or a create hold frees, or a paced create could go."""
        scheduler = self.scheduler
        chances = [IDLE_SLICE]
        if not scheduler.room():
            return IDLE_SLICE  # a reply frees a slot and wakes the wait
        for driver in self.drivers:
            kind = driver.kind
            due = scheduler.next_due(kind)
            if due is not None:
                share = self.shares.get(driver.spec.provider) if kind in self.polls_held else None
                chances.append(max(due - now, share.ready_in(now) if share is not None else 0.0))
            if scheduler.ready[kind] and scheduler.create_room():
                held = scheduler.hold_until[kind] - now
                chances.append(held if held > 0 else driver.create_ready_in())
        return max(0.0, min(chances))

    # --- launching -----------------------------------------------------------------------------
    def launch(self) -> None:
        """Creates first (never delayed by polls), then due polls within their share, then downloads."""
        now = self.clock.monotonic()
        waiting = set() if self.poll_only else self.launch_creates(now)
        scheduler = self.scheduler
        self.polls_held.clear()
        for driver in self.drivers:
            share = self.shares.get(driver.spec.provider) if driver.spec.provider in waiting else None
            while scheduler.room():
                due = scheduler.next_due(driver.kind)
                if due is None or due > now:
                    break
                if share is not None and not share.take(now):
                    self.polls_held.add(driver.kind)
                    break
                batch = scheduler.due(driver.kind, driver.poll_batch, now, POLL_HORIZON)
                if batch:
                    driver.poll(batch)
        if not self.poll_only:
            self.downloads.launch()

    def launch_creates(self, now: float) -> set[str]:
        """Send the creates that may go; the providers whose creates still wait."""
        scheduler = self.scheduler
        waiting: set[str] = set()
        for driver in self.drivers:
            kind = driver.kind
            while (
                scheduler.ready[kind]
                and scheduler.create_room()
                and scheduler.hold_until[kind] <= now
                and driver.can_create()
            ):
                batch = scheduler.pop_ready(kind, driver.create_batch)
                if batch:
                    driver.create(batch)
                    self.said_waiting.pop(kind, None)
            if scheduler.ready[kind]:
                waiting.add(driver.spec.provider)
                self.say_why_creates_wait(driver, now)
        return waiting

    def say_why_creates_wait(self, driver: Driver, now: float) -> None:
        """Creates that wait say why, once per cause: a transient error's back-off, or the provider's per-minute pace."""
        kind, scheduler = driver.kind, self.scheduler
        held = scheduler.hold_until[kind] - now
        streak = self.replies.budget.streak
        per_minute = driver.spec.costs.creates_per_minute
        if held > 0:
            cause = f"backoff {streak}"
            why = (
                f"{driver.spec.label} creates wait {held:.1f} s after a transient error ({streak} in a row; "
                "the run stops when apply.transient_attempts or apply.transient_seconds is spent)"
            )
        elif per_minute and not scheduler.creates_in_flight[kind] and (ready_in := driver.create_ready_in()) >= 1.0:
            cause = "pace"
            why = f"{driver.spec.provider} takes {per_minute} {driver.spec.label} creates a minute: the next goes in {ready_in:.0f} s"
        else:
            return
        if self.said_waiting.get(kind) != cause:
            self.said_waiting[kind] = cause
            self.ports.reporter.job_event(scheduler.ready[kind][0][2].key, "holding", why)

    # --- results ---------------------------------------------------------------------------------
    def report(self) -> None:
        """Progress, at most a few times a second (the graph keeps the counts per phase)."""
        now = self.clock.monotonic()
        if self.last_report is not None and now - self.last_report < REPORT_EVERY:
            return
        self.last_report = now
        graph = self.graph
        done = graph.count(Phase.DONE)
        failed = graph.count(Phase.FAILED, Phase.BLOCKED)
        busy = graph.count(Phase.CREATING, Phase.POLLING, Phase.ADOPTING)
        eta = max(0.0, self.eta_seconds - (now - self.started)) if done + failed < len(self.graph.runs) else 0.0
        self.ports.reporter.progress(done, busy, failed, len(self.graph.runs), eta)

    def result(self) -> ApplyResult:
        """What the run did."""
        runs = self.graph.runs.values()

        def keys(*phases: Phase) -> tuple[str, ...]:
            return tuple(sorted(r.key for r in runs if r.phase in phases))

        clients = self.ports.providers.clients.values()
        requests = self.downloads.requests + sum(c.request_count for c in clients if isinstance(c, CountsRequests))
        return ApplyResult(
            lockfile=self.journal.snapshot(),
            succeeded=keys(Phase.DONE),
            failed=keys(Phase.FAILED),
            skipped=keys(Phase.BLOCKED),
            videos_created=self.ledger.videos_created,
            requests=requests,
            waiting=keys(Phase.ASKING),
            consent=keys(Phase.CONSENT),
            consent_urls=dict(self.ledger.consent_urls),
            renamed=tuple(sorted(set(self.ledger.renamed))),
            forgotten=tuple(sorted(self.ledger.forgotten)),
            rename_failures=dict(self.ledger.rename_failures),
            videos_paid=self.ledger.videos_paid,
            unfinished=keys(Phase.WAITING, Phase.READY, Phase.CREATING, Phase.POLLING, Phase.ADOPTING),
            undownloaded={} if self.poll_only else self.downloads.missing(self.journal.snapshot()),
        )


def execute(
    plan: Plan,
    lock: Lockfile,
    lock_path: Path,
    providers: Providers,
    options: ExecuteOptions,
    *,
    clock: Clock,
    reporter: Reporter | None = None,
    engine_out: list[Engine] | None = None,
    mirror: Mirror | None = None,
    consent_notifier: ConsentNotifier | None = None,
) -> ApplyResult:
    """Run the plan; every state change reaches the journal before any request that depends on it."""
    ports = Ports(providers, options, clock, reporter or SilentReporter(), consent_notifier)
    engine = Engine(Journal(lock_path, lock, mirror), ports, eta_seconds=plan.estimate.eta_seconds)
    if engine_out is not None:
        engine_out.append(engine)  # lets the caller ask it to stop (signal handlers)
    return engine.run(lambda parts: from_plan(parts, plan))


@dataclass(frozen=True)
class Refreshed:
    """What a poll-only run found: the lockfile as it now stands, and URLs a person must visit (never stored)."""

    lockfile: Lockfile
    consent_urls: dict[str, str] = field(default_factory=dict)


def refresh_submitted(lock: Lockfile, lock_path: Path, providers: Providers, *, clock: Clock) -> Refreshed:
    """Look once at every `submitted` job of the lockfile and record the finished ones (no creates, no downloads)."""
    ports = Ports(providers, ExecuteOptions(artifacts_dir=None, downloads=False), clock, SilentReporter())
    engine = Engine(Journal(lock_path, lock), ports, poll_only=True)
    try:
        result = engine.run(from_lockfile)
    except EngineStopped as stopped:  # what was seen is recorded; the reason is the one message
        if stopped.cause is not None:
            raise stopped.cause from None
        raise
    return Refreshed(result.lockfile, dict(result.consent_urls))
