"""The apply engine: a scheduler that knows nothing of job kinds, driving one driver per kind.

Replies are handled the moment they arrive (journaled before anything that depends on them);
creates go out before polls; polls take at most half of the app's rate while creates wait.
"""

from __future__ import annotations

import collections
import heapq
import queue
import time
from pathlib import Path

from runner import api_facts as facts
from runner.clock import Clock
from runner.execute.context import Context, JobRun
from runner.execute.downloads import Downloads, needs_downloads
from runner.execute.drivers import DRIVERS, Driver
from runner.execute.journal import Journal, Mirror
from runner.execute.ports import (
    ApplyResult,
    ExecuteOptions,
    HeyGenApi,
    Providers,
    Reporter,
    SilentReporter,
    TikTokApi,
)
from runner.execute.requests import request_for
from runner.lock.lockfile import Lockfile
from runner.plan.model import Action, Plan, Resume
from runner.providers.errors import RunStopped
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.states import JobState, Phase

__all__ = [
    "ApplyResult",
    "Engine",
    "EngineStopped",
    "ExecuteOptions",
    "HeyGenApi",
    "Providers",
    "Reporter",
    "SilentReporter",
    "TikTokApi",
    "execute",
    "needs_downloads",
]

POLL_HORIZON = 1.0  # a task due this soon joins a poll that is going out now (fewer calls, same latency)
IDLE_SLICE = 0.25  # longest sleep between looks at the interrupt flag
TIKTOK_KINDS = (JobKind.AVATAR_VIDEO, JobKind.UPLOAD, JobKind.REFRESH_VIDEO)


class EngineStopped(Exception):
    """The run stopped before every job finished: interrupted, out of transient budget, or refused credentials."""

    def __init__(self, result: ApplyResult, cause: BaseException | None) -> None:
        self.result = result
        self.cause = cause
        super().__init__(str(cause) if cause else "interrupted")


class Engine:
    """One apply run; see docs/apply.md for the state machine and the scheduling rules."""

    def __init__(
        self,
        plan: Plan,
        journal: Journal,
        providers: Providers,
        options: ExecuteOptions,
        clock: Clock,
        reporter: Reporter,
    ) -> None:
        self.plan = plan
        self.journal = journal
        self.clock = clock
        self.ctx = Context(journal, providers, options, clock, reporter)
        self.downloads = Downloads(self.ctx, journal.path.parent)
        self.poll_budget = max(1, int(getattr(providers.tiktok, "qps", facts.TIKTOK_APP_QPS)) // 2)
        self.recent_polls: collections.deque[float] = collections.deque()
        self.replaces: dict[str, str] = {}
        self.started = clock.monotonic()
        self.last_report = 0.0

    @property
    def stopping(self) -> bool:
        """Whether the run was asked to stop (first interrupt)."""
        return self.ctx.stopping.is_set()

    def stop(self) -> None:
        """Stop sending creates and polls; replies of requests already sent are still recorded."""
        self.ctx.stopping.set()

    # --- setup ---------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Runs for the plan's creates; renames, forgets, history for the pacers, missing downloads."""
        ctx = self.ctx
        ctx.jobs = {c.key: c.job for c in self.plan.changes if c.job is not None}
        feeds = {d for job in ctx.jobs.values() for d in job.depends_on}
        creates = [c for c in self.plan.changes if c.action in (Action.CREATE, Action.REPLACE) and c.job is not None]
        for change in self.plan.changes:
            if change.action is Action.FORGET:
                self.journal.drop([change.key])
                ctx.reporter.job_event(change.key, "forgotten")
            elif change.action is Action.RENAME:
                ctx.rename(change.key)
            elif change.action is Action.BLOCKED and change.job is not None:
                run = ctx.new_run(change.job)
                run.phase = Phase.BLOCKED
                ctx.finished += 1
                ctx.reporter.job_event(change.key, "blocked", change.reason or "")
        for change in creates:
            assert change.job is not None
            run = JobRun(change.job, request_for(change.job), Phase.WAITING, priority=0 if change.key in feeds else 1)
            ctx.runs[change.key] = run
            if change.replaces:
                self.replaces[change.key] = change.replaces
            if change.reason:
                ctx.reasons[change.key] = change.reason
        ctx.replaces = self.replaces
        self.learn_history()
        now_wall, now = self.clock.time(), self.clock.monotonic()
        for change in creates:
            run = ctx.runs[change.key]
            record = self.journal.record(change.key)
            for dep in run.job.depends_on:
                dep_record = self.journal.record(dep)
                if dep_record is None or dep_record.state != JobState.SUCCEEDED:
                    run.unmet += 1
                    ctx.dependents.setdefault(dep, []).append(run)
            if (
                record is not None
                and record.state in (JobState.PENDING, JobState.SUBMITTED)
                and record.name != run.job.name
            ):
                run.rename = True  # renamed in the spec while in flight: the name follows once it finishes
            if change.resume == Resume.SUBMITTED and record is not None:
                run.phase = Phase.POLLING
                run.accepted_at = now - max(0.0, now_wall - (record.submitted_at or now_wall))
                if run.kind == JobKind.HEYGEN_VIDEO:
                    ctx.rendering[run.kind].add(change.key)
                if run.kind == JobKind.HEYGEN_AVATAR:
                    run.accepted_at = 0.0  # training is timed from when it is first seen
                ctx.schedule(run, 0.0)
            elif change.resume in (Resume.PENDING, Resume.UNKNOWN) and record is not None:
                DRIVERS[run.kind].resume(ctx, run, record)
            elif run.unmet == 0:
                ctx.make_ready(run)
        for run in list(ctx.runs.values()):
            if run.phase == Phase.WAITING and any(
                ctx.runs.get(d) is None
                and (self.journal.record(d) is None or self.journal.record(d).state != JobState.SUCCEEDED)  # type: ignore[union-attr]
                for d in run.job.depends_on
            ):
                run.phase = Phase.BLOCKED  # a dependency this run will not make
                ctx.finished += 1
                ctx.block_dependents(run, f"{run.job.key} is blocked")
        if ctx.options.downloads and ctx.options.artifacts_dir is not None:
            for key in needs_downloads(self.journal.snapshot(), self.journal.path.parent):
                if key not in ctx.runs:
                    ctx.fresh_url_wanted.append(key)
        self.journal.flush()

    def learn_history(self) -> None:
        """Completion times recorded by earlier runs shape the first polls of this one."""
        for key, record in self.journal.snapshot().jobs.items():
            job = self.ctx.jobs.get(key)
            if job is None or record.submitted_at is None or record.finished_at is None or not record.task_ids:
                continue
            run = JobRun(job, request_for(job), Phase.DONE)
            driver = DRIVERS[run.kind]
            self.ctx.pacers[run.kind].observe(record.finished_at - record.submitted_at, driver.bound(run))

    # --- the loop ------------------------------------------------------------------------------
    def run(self) -> ApplyResult:
        """Run until every job finished, or stop cleanly (EngineStopped) on interrupt or spent budget."""
        cause: BaseException | None = None
        try:
            self.prepare()
            while True:
                try:
                    self.drain(block_for=0.0)
                    if self.stopping:
                        break
                    self.launch()
                    if not self.ctx.in_flight and not self.work_left():
                        break
                    self.wait()
                except RunStopped as exc:
                    cause = exc
                    self.stop()
                    break
                self.report()
            if self.stopping:
                self.finish_in_flight()
        finally:
            self.journal.flush()
            self.journal.compact()
            self.ctx.pool.shutdown(wait=False, cancel_futures=True)
            self.downloads.close()
        result = self.result()
        if self.stopping:
            raise EngineStopped(result, cause)
        return result

    def finish_in_flight(self) -> None:
        """After a stop: record the replies of requests already sent, for a bounded time."""
        deadline = time.monotonic() + self.ctx.options.stop_grace_seconds
        while self.ctx.in_flight and time.monotonic() < deadline:
            try:
                self.drain(block_for=min(0.1, max(0.0, deadline - time.monotonic())))
            except RunStopped:
                continue
            self.journal.flush()

    def drain(self, block_for: float) -> None:
        """Handle every reply that has arrived (waiting up to `block_for` seconds for the first), then flush."""
        try:
            handler, future = (
                self.ctx.completions.get(timeout=block_for) if block_for > 0 else self.ctx.completions.get_nowait()
            )
        except queue.Empty:
            return
        handled = [(handler, future)]
        while True:
            try:
                handled.append(self.ctx.completions.get_nowait())
            except queue.Empty:
                break
        try:
            for handler, future in handled:
                handler(future)
        finally:
            self.journal.flush()  # every reply reaches the journal before anything that depends on it is sent

    def work_left(self) -> bool:
        """Whether anything is queued: creates, timers or downloads."""
        for kind in JobKind:
            self.clean_timers(kind)
        return (
            any(self.ctx.ready[k] for k in JobKind)
            or any(self.ctx.timers[k] for k in JobKind)
            or self.downloads.pending()
        )

    def wait(self) -> None:
        """Until the next reply or timer (in slices, so an interrupt is seen at once)."""
        now = self.clock.monotonic()
        dues = [self.ctx.timers[k][0][0] for k in JobKind if self.ctx.timers[k]]
        wait = max(0.0, min(dues) - now) if dues else IDLE_SLICE
        held = [self.ctx.hold_until[k] - now for k in JobKind if self.ctx.ready[k] and self.ctx.hold_until[k] > now]
        if held:
            wait = min(wait, min(held))
        elif any(self.ctx.ready[k] for k in JobKind):
            wait = min(wait, self.refresh_slot_in())
        wait = min(wait, IDLE_SLICE)
        if self.ctx.in_flight:
            self.drain(block_for=max(wait, 0.001))
        elif wait > 0:
            self.clock.sleep(wait)

    def refresh_slot_in(self) -> float:
        """Seconds until a waiting create could go (the refresh window), small when unknown."""
        tiktok = self.ctx.providers.tiktok
        ready_in = getattr(tiktok, "refresh_create_ready_in", None)
        return max(0.01, float(ready_in())) if ready_in is not None else 0.05

    # --- launching -----------------------------------------------------------------------------
    def launch(self) -> None:
        """Creates first (never delayed by polls), then due polls within their share, then downloads."""
        ctx = self.ctx
        creates_wait = False
        now = self.clock.monotonic()
        for kind, driver in DRIVERS.items():
            heap = ctx.ready[kind]
            while heap and ctx.room() and ctx.hold_until[kind] <= now and driver.can_create(ctx):
                batch = self.pop_ready(heap, driver.create_batch)
                if batch:
                    driver.create(ctx, batch)
            creates_wait |= bool(heap) and kind in TIKTOK_KINDS
        for kind, driver in DRIVERS.items():
            timers = ctx.timers[kind]
            while ctx.room():
                self.clean_timers(kind)
                if not timers or timers[0][0] > now:
                    break
                if creates_wait and kind in TIKTOK_KINDS and not self.poll_slot(now):
                    break
                self.launch_polls(driver, timers, now)
        self.downloads.launch()

    @staticmethod
    def pop_ready(heap: list[tuple[int, int, JobRun]], size: int) -> list[JobRun]:
        """Up to `size` ready jobs, skipping entries that are no longer ready."""
        batch: list[JobRun] = []
        while heap and len(batch) < size:
            run = heapq.heappop(heap)[2]
            if run.phase == Phase.READY and run not in batch:
                batch.append(run)
        return batch

    def clean_timers(self, kind: JobKind) -> None:
        """Drop stale timer entries at the head."""
        timers = self.ctx.timers[kind]
        while timers and (
            timers[0][1] != timers[0][2].timer or timers[0][2].phase not in (Phase.POLLING, Phase.ADOPTING)
        ):
            heapq.heappop(timers)

    def launch_polls(self, driver: Driver, timers: list[tuple[float, int, JobRun]], now: float) -> None:
        """One poll call: due jobs first, topped up with jobs due within the horizon."""
        batch: list[JobRun] = []
        while timers and len(batch) < driver.poll_batch:
            self.clean_timers(driver.kind)
            if not timers or timers[0][0] > now + (POLL_HORIZON if batch else 0.0):
                break
            run = heapq.heappop(timers)[2]
            run.timer = 0
            batch.append(run)
        if batch:
            driver.poll(self.ctx, batch)

    def poll_slot(self, now: float) -> bool:
        """While creates wait, polls get at most half of the app's requests per second."""
        while self.recent_polls and self.recent_polls[0] <= now - 1.0:
            self.recent_polls.popleft()
        if len(self.recent_polls) >= self.poll_budget:
            return False
        self.recent_polls.append(now)
        return True

    # --- results ---------------------------------------------------------------------------------
    def report(self) -> None:
        """Progress, at most a few times a second (it counts every job)."""
        now = time.monotonic()
        if now - self.last_report < 0.5:
            return
        self.last_report = now
        runs = self.ctx.runs.values()
        done = sum(r.phase == Phase.DONE for r in runs)
        failed = sum(r.phase in (Phase.FAILED, Phase.BLOCKED) for r in runs)
        busy = sum(r.phase in (Phase.CREATING, Phase.POLLING, Phase.ADOPTING) for r in runs)
        elapsed = self.clock.monotonic() - self.started
        eta = max(0.0, self.plan.estimate.eta_seconds - elapsed) if done + failed < len(self.ctx.runs) else 0.0
        self.ctx.reporter.progress(done, busy, failed, len(self.ctx.runs), eta)

    def result(self) -> ApplyResult:
        """What the run did."""
        runs = self.ctx.runs.values()
        providers = self.ctx.providers

        def keys(*phases: Phase) -> tuple[str, ...]:
            return tuple(sorted(r.job.key for r in runs if r.phase in phases))

        requests = self.downloads.requests + sum(
            p.request_count for p in (providers.tiktok, providers.heygen) if p is not None
        )
        return ApplyResult(
            lockfile=self.journal.snapshot(),
            succeeded=keys(Phase.DONE),
            failed=keys(Phase.FAILED),
            skipped=keys(Phase.BLOCKED),
            videos_created=self.ctx.videos_created,
            requests=requests,
            waiting=keys(Phase.ASKING),
            consent=keys(Phase.CONSENT),
            consent_urls=dict(self.ctx.consent_urls),
            unfinished=keys(Phase.WAITING, Phase.READY, Phase.CREATING, Phase.POLLING, Phase.ADOPTING),
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
) -> ApplyResult:
    """Run the plan; every state change reaches the journal before any request that depends on it."""
    journal = Journal(lock_path, lock, mirror)
    engine = Engine(plan, journal, providers, options, clock, reporter or SilentReporter())
    if engine_out is not None:
        engine_out.append(engine)  # lets the caller ask it to stop (signal handlers)
    return engine.run()
