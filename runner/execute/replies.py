"""One adapter from a request's future to what handles it: its result, a lost reply, or an error.

An answer resets the run's transient budget; errors a driver does not handle itself go through the
run's failure policy (`create_failed` / `poll_failed`), so no reply handler repeats that prologue.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable
from typing import TypeVar

from runner.clock import Clock
from runner.execute.ledger import Ledger
from runner.execute.pacing import next_interval
from runner.execute.runs import JobRun
from runner.execute.scheduler import Interrupted, Scheduler
from runner.providers.budget import TransientBudget
from runner.providers.errors import NotSent, OutcomeUnknown, PermanentError, ProviderError, RunStopped, TransientError
from runner.vocabulary.states import Event, Phase

T = TypeVar("T")
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
RETRY_BOUND = 60.0  # a failed poll is repeated as if its task were bounded by a minute


def not_sent(exc: BaseException) -> bool:
    """True when no request can have reached the server (connect refused, DNS, TLS, invalid URL, interrupted)."""
    return isinstance(exc, (Interrupted, NotSent))


def backoff(streak: int) -> float:
    """Seconds to hold creates after the latest transient failure (doubling with the streak, capped)."""
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, streak - 1)))


class Replies:
    """Routes replies; owns the run's policy for creates and polls that raised."""

    def __init__(self, ledger: Ledger, scheduler: Scheduler, budget: TransientBudget, clock: Clock) -> None:
        self.ledger = ledger
        self.scheduler = scheduler
        self.budget = budget
        self.clock = clock

    def route(
        self,
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        on_lost: Callable[[OutcomeUnknown], None] | None = None,
        *,
        from_provider: bool = True,
    ) -> Callable[[cf.Future[T]], None]:
        """A done-callback: a result goes to `on_result` (a provider's answer resets the transient budget),
        a lost reply to `on_lost` when given, any other error to `on_error`."""

        def done(future: cf.Future[T]) -> None:
            exc = future.exception()
            if exc is None:
                if from_provider:
                    self.budget.answered()
                on_result(future.result())
            elif on_lost is not None and isinstance(exc, OutcomeUnknown):
                on_lost(exc)
            else:
                on_error(exc)

        return done

    def create(
        self,
        runs: list[JobRun],
        on_result: Callable[[T], None],
        on_lost: Callable[[OutcomeUnknown], None],
        handled: Callable[[BaseException], bool] | None = None,
    ) -> Callable[[cf.Future[T]], None]:
        """A create's reply; an error `handled` does not take goes through `create_failed`."""

        def on_error(exc: BaseException) -> None:
            if handled is None or not handled(exc):
                self.create_failed(runs, exc)

        def lost(exc: OutcomeUnknown) -> None:
            for run in runs:
                run.lost_answered = exc.answered
            on_lost(exc)

        return self.route(on_result, on_error, lost)

    def poll(
        self,
        runs: list[JobRun],
        on_result: Callable[[T], None],
        handled: Callable[[BaseException], bool] | None = None,
    ) -> Callable[[cf.Future[T]], None]:
        """A poll's (or look-up's) reply; an error `handled` does not take goes through `poll_failed`."""

        def answered(result: T) -> None:
            for run in runs:
                run.poll_failures = 0
            on_result(result)

        def on_error(exc: BaseException) -> None:
            if handled is None or not handled(exc):
                self.poll_failed(runs, exc)

        return self.route(answered, on_error)

    def again(self, run: JobRun) -> None:
        """Queue a create again after one that made nothing known; past the run's bound the job waits for the next apply."""
        run.resends += 1
        if run.resends < self.budget.limits.attempts:
            self.scheduler.make_ready(run)
            return
        run.phase = Phase.READY  # unfinished: left out of the queue, so the run ends
        self.ledger.reporter.job_event(
            run.key, "unfinished", f"{run.resends} creates in this run made nothing known; run apply again later"
        )

    def create_failed(self, runs: list[JobRun], exc: BaseException) -> None:
        """A create raised: not sent, refused, auth, or transient (a lost reply is the driver's)."""
        stopped = isinstance(exc, RunStopped)
        for run in runs:
            if not_sent(exc) or stopped:
                self.ledger.roll_back(run, Event.AUTH_REFUSED if stopped else Event.NOT_SENT)
                if stopped or isinstance(exc, Interrupted):
                    run.phase = Phase.READY
                else:
                    self.again(run)
            elif isinstance(exc, PermanentError):
                self.ledger.refuse(run, exc)
            elif isinstance(exc, TransientError):  # answered "try again": it had no effect
                self.ledger.roll_back(run, Event.NOT_SENT)
                self.again(run)
            else:
                raise exc
        if stopped:
            raise exc
        if isinstance(exc, ProviderError) and not isinstance(exc, PermanentError):
            self.back_off({run.kind for run in runs}, exc)

    def back_off(self, kinds: set[str], exc: ProviderError) -> None:
        """Transient trouble on a create: count it in the budget and hold these kinds' creates (doubling from
        `BACKOFF_BASE`, at most `BACKOFF_CAP`)."""
        self.budget.failed(exc)
        until = self.clock.monotonic() + backoff(self.budget.streak)
        for kind in kinds:
            self.scheduler.hold_until[kind] = until

    def poll_failed(self, runs: list[JobRun], exc: BaseException) -> None:
        """A poll raised: free to repeat, within the transient budget and, per job, as many times in a row."""
        if isinstance(exc, RunStopped) or not isinstance(exc, ProviderError):
            raise exc
        for run in runs:
            self.poll_later(run)
        self.budget.failed(exc)
        if runs:
            again = next_interval(self.clock.monotonic() - runs[0].accepted_at, RETRY_BOUND)
            self.ledger.reporter.job_event(
                runs[0].key,
                "poll failed",
                f"{exc.describe()}; asked again in {again:.1f} s ({self.budget.streak} transient errors in a row)",
            )

    def poll_later(self, run: JobRun, delay: float | None = None) -> None:
        """Look again after a failed poll; a job whose polls kept failing is left for the next apply (still recorded)."""
        run.poll_failures += 1
        if run.poll_failures >= self.budget.limits.attempts:
            self.ledger.reporter.job_event(
                run.key, "unfinished", f"{run.poll_failures} polls in a row failed; the next apply looks again"
            )
            return  # no timer: the run ends with the job unfinished
        if delay is None:
            delay = next_interval(self.clock.monotonic() - run.accepted_at, RETRY_BOUND)
        self.scheduler.schedule(run, delay)
