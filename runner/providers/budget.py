"""The run's budget for transient trouble: consecutive failures and how long they have lasted."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from runner.clock import Clock
from runner.providers.errors import TransientBudgetExhausted, TransientError
from runner.vocabulary.providers import provider

DEFAULT_TRANSIENT_ATTEMPTS = 50
DEFAULT_TRANSIENT_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class TransientLimits:
    """How much transient trouble one run accepts before it stops (`apply.transient_*`)."""

    attempts: int = DEFAULT_TRANSIENT_ATTEMPTS
    seconds: float = DEFAULT_TRANSIENT_SECONDS


class TransientBudget:
    """Shared by every client of a run: failures in a row, across threads; any answer resets it.

    Once spent it stays spent, so every later request stops at once with the same message.
    """

    def __init__(self, clock: Clock, limits: TransientLimits | None = None) -> None:
        self._clock = clock
        self.limits = limits or TransientLimits()
        self._lock = threading.Lock()
        self._failures = 0
        self._since: float | None = None
        self._spent: TransientBudgetExhausted | None = None

    def check(self) -> None:
        """Raise TransientBudgetExhausted when the budget is spent."""
        with self._lock:
            if self._spent is not None:
                raise self._spent

    def answered(self) -> None:
        """A provider answered (data or a definite refusal): the trouble is over."""
        with self._lock:
            self._failures, self._since = 0, None

    def failed(self, error: TransientError) -> None:
        """Count one transient failure; raise TransientBudgetExhausted once over either limit."""
        with self._lock:
            if self._spent is not None:
                raise self._spent
            now = self._clock.monotonic()
            if self._since is None:
                self._since = now
            self._failures += 1
            lasted = now - self._since
            if self._failures < self.limits.attempts and lasted < self.limits.seconds:
                return
            self._spent = TransientBudgetExhausted(
                error.provider,
                error.endpoint,
                error.code,
                f"gave up after {self._failures} transient failures in a row over {lasted:.0f} s "
                f"(last: {error.message or 'no message'}); the provider is down or unreachable. Check "
                f"{_base_url_variable(error.provider)} and the network, then run again; to wait longer, raise "
                "apply.transient_attempts / apply.transient_seconds (CAMPAIGN_TRANSIENT_ATTEMPTS / CAMPAIGN_TRANSIENT_SECONDS)",
                error.request_id,
                error.http_status,
            )
            raise self._spent


def _base_url_variable(name: str) -> str:
    """The variable that points a provider's client at its API, for messages."""
    try:
        return provider(name).base_url_variable
    except KeyError:
        return "the base URL"
