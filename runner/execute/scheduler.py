"""When requests go out: ready queues and timers per kind, requests in flight on a thread pool, the stop flag.

It knows nothing of what a kind is: kinds are names, jobs are runs with a phase, a priority and a due time.
Every reply is handed back to the engine's thread through `completions`, so only that thread changes state.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import heapq
import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from runner.clock import Clock
from runner.errors import CampaignError
from runner.execute.runs import JobRun
from runner.providers.errors import RunStopped
from runner.providers.http import gated
from runner.vocabulary.states import Phase

T = TypeVar("T")
Handler = Callable[[cf.Future[Any]], None]
Timer = tuple[float, int, JobRun]


class Interrupted(Exception):
    """Raised inside a create that had not been sent when the run was asked to stop."""


CREATE_SHARE = 0.5  # creates waiting for their rate hold at most half the request slots: polls keep the rest
LOCAL_WORKERS = 4  # downloads and post-render checks: not API calls, so beside the requests, on their own threads


class Fenced(RunStopped):
    """Raised inside a create held back because this runner may no longer send (its lease may have lapsed)."""

    def __init__(self, reason: str) -> None:
        super().__init__("state", "lease", "FENCED", reason)

    def describe(self) -> str:
        """The reason alone: no provider was asked anything."""
        return self.message


def no_fence() -> None:
    """Nothing holds sends back (no shared state)."""


class Scheduler:
    """Ready jobs and timers in heaps per kind; at most `parallelism` requests in flight, and local work beside them."""

    def __init__(
        self,
        parallelism: int,
        clock: Clock,
        after_replies: Callable[[], None],
        *,
        once: bool = False,
        fence: Callable[[], None] = no_fence,
    ) -> None:
        self.parallelism = max(1, parallelism)
        self.clock = clock
        self.after_replies = after_replies  # runs after each batch of replies (the journal's flush)
        self.fence = fence  # raises when this runner may no longer send paid requests
        self.once = once  # poll-only: each job is looked at once
        self.pool = cf.ThreadPoolExecutor(max_workers=self.parallelism)
        self.local_pool = cf.ThreadPoolExecutor(max_workers=LOCAL_WORKERS)
        self.local_in_flight = 0
        self.completions: queue.SimpleQueue[tuple[Handler, cf.Future[Any]]] = queue.SimpleQueue()
        self.in_flight = 0
        self.creates_in_flight: collections.Counter[str] = collections.Counter()
        self.stopping = threading.Event()
        self.ready: collections.defaultdict[str, list[tuple[int, int, JobRun]]] = collections.defaultdict(list)
        self.timers: collections.defaultdict[str, list[Timer]] = collections.defaultdict(list)
        self.hold_until: collections.defaultdict[str, float] = collections.defaultdict(float)  # creates back off
        self._seq = itertools.count(1)

    # --- requests ----------------------------------------------------------------------------
    def room(self) -> bool:
        """Whether another request may go out now."""
        return self.in_flight < self.parallelism and not self.stopping.is_set()

    def create_room(self) -> bool:
        """Whether another create may go out now: creates leave room for polls (a create may wait on its rate)."""
        limit = max(1, int(self.parallelism * CREATE_SHARE))
        return self.room() and sum(self.creates_in_flight.values()) < limit

    def local_room(self) -> bool:
        """Whether another download (with its checks) may start now."""
        return self.local_in_flight < LOCAL_WORKERS and not self.stopping.is_set()

    def pending(self) -> int:
        """Requests and local work not yet handed back."""
        return self.in_flight + self.local_in_flight

    def submit_local(self, fn: Callable[[], T], on_done: Callable[[cf.Future[T]], None]) -> None:
        """Run local work (a download and its checks) beside the requests; `on_done` runs on the engine's thread."""
        self.local_in_flight += 1

        def done(future: cf.Future[T]) -> None:
            self.local_in_flight -= 1
            on_done(future)

        future = self.local_pool.submit(fn)
        future.add_done_callback(lambda f: self.completions.put((done, f)))

    def submit(
        self, fn: Callable[[], T], on_done: Callable[[cf.Future[T]], None], *, create: str | None = None
    ) -> None:
        """Run `fn` on the pool; `on_done` runs on the engine's thread as soon as its reply arrives.

        A create (`create` names its kind) not yet sent when the run is asked to stop raises Interrupted;
        one that this runner may no longer send (the fence, checked right before each of its requests) Fenced.
        """
        self.in_flight += 1
        if create is not None:
            self.creates_in_flight[create] += 1
        stopping = self.stopping

        def guarded() -> T:
            if create is None:
                return fn()
            if stopping.is_set():
                raise Interrupted()  # a paid create not yet sent when the run was asked to stop
            with gated(self._fenced):
                self._fenced()
                return fn()

        def done(future: cf.Future[T]) -> None:
            self.in_flight -= 1
            if create is not None:
                self.creates_in_flight[create] -= 1
            on_done(future)

        future = self.pool.submit(guarded)
        future.add_done_callback(lambda f: self.completions.put((done, f)))

    def _fenced(self) -> None:
        try:
            self.fence()
        except CampaignError as exc:
            raise Fenced(str(exc)) from None

    def drain(self, block_for: float) -> int:
        """Handle every reply that has arrived (waiting up to `block_for` seconds for the first); how many."""
        try:
            first = self.completions.get(timeout=block_for) if block_for > 0 else self.completions.get_nowait()
        except queue.Empty:
            return 0
        handled = [first]
        while True:
            try:
                handled.append(self.completions.get_nowait())
            except queue.Empty:
                break
        raised: BaseException | None = None
        try:
            for handler, future in handled:
                try:
                    handler(future)
                except Exception as exc:  # the other replies of the batch are still recorded, then it is raised
                    raised = raised or exc
        finally:
            self.after_replies()  # every reply is recorded before anything that depends on it is sent
        if raised is not None:
            raise raised
        return len(handled)

    def shutdown(self) -> None:
        """Drop what was not started; replies still on their way are not awaited."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.local_pool.shutdown(wait=False, cancel_futures=True)

    # --- queues ------------------------------------------------------------------------------
    def make_ready(self, run: JobRun) -> None:
        """Queue a job for its create (dependencies first, refresh-chain sources before the rest)."""
        run.phase = Phase.READY
        heapq.heappush(self.ready[run.kind], (run.priority, next(self._seq), run))

    def schedule(self, run: JobRun, delay: float) -> None:
        """Look at the job again in `delay` seconds (a poll or an adoption look-up)."""
        if self.once and run.looks:
            return  # poll-only: one look per job
        run.due = self.clock.monotonic() + max(0.0, delay)
        run.timer = next(self._seq)
        heapq.heappush(self.timers[run.kind], (run.due, run.timer, run))

    def pop_ready(self, kind: str, size: int) -> list[JobRun]:
        """Up to `size` ready jobs of a kind, skipping entries that are no longer ready."""
        heap = self.ready[kind]
        batch: list[JobRun] = []
        while heap and len(batch) < size:
            run = heapq.heappop(heap)[2]
            if run.phase == Phase.READY and run not in batch:
                batch.append(run)
        return batch

    def clean_timers(self, kind: str) -> None:
        """Drop stale timer entries at the head."""
        timers = self.timers[kind]
        while timers and (
            timers[0][1] != timers[0][2].timer or timers[0][2].phase not in (Phase.POLLING, Phase.ADOPTING)
        ):
            heapq.heappop(timers)

    def due(self, kind: str, size: int, now: float, horizon: float) -> list[JobRun]:
        """Up to `size` jobs of a kind due now, topped up with those due within `horizon` (one call, same latency)."""
        timers = self.timers[kind]
        batch: list[JobRun] = []
        while len(batch) < size:
            self.clean_timers(kind)
            if not timers or timers[0][0] > now + (horizon if batch else 0.0):
                break
            run = heapq.heappop(timers)[2]
            run.timer = 0
            run.looks += 1
            run.look_sent = now
            batch.append(run)
        return batch

    def next_due(self, kind: str) -> float | None:
        """When the kind's earliest live timer is due."""
        self.clean_timers(kind)
        timers = self.timers[kind]
        return timers[0][0] if timers else None

    def busy(self) -> bool:
        """Whether any job is ready or has a live timer."""
        return any(self.ready.values()) or any(self.next_due(kind) is not None for kind in list(self.timers))
