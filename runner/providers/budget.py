"""The run's one budget for transient trouble: consecutive failures and how long they have lasted.

The clients count each failed attempt; the engine counts what reaches it (a lost reply it re-sends,
a poll that failed) and reads the streak to back creates off. A failure is counted once, whoever
sees it first, so a client's last failed attempt that the engine also sees is not counted twice.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

from runner.clock import Clock
from runner.providers.errors import ProviderError, TransientBudgetExhausted
from runner.vocabulary.providers import provider

DEFAULT_TRANSIENT_ATTEMPTS = 50
DEFAULT_TRANSIENT_SECONDS = 300.0
_REMEMBERED = 64  # recent failures kept to recognise one seen twice (clients run on a few threads at most)


@dataclass(frozen=True, slots=True)
class TransientLimits:
    """How much transient trouble one run accepts before it stops (`apply.transient_*`)."""

    attempts: int = DEFAULT_TRANSIENT_ATTEMPTS
    seconds: float = DEFAULT_TRANSIENT_SECONDS


class TransientBudget:
    """Shared by every client of a run and its engine: failures in a row, across threads; any answer resets it.

    Once spent it stays spent, so every later request stops at once with the same message.
    """

    def __init__(self, clock: Clock, limits: TransientLimits | None = None) -> None:
        self._clock = clock
        self.limits = limits or TransientLimits()
        self._lock = threading.Lock()
        self._failures = 0
        self._since: float | None = None
        self._spent: TransientBudgetExhausted | None = None
        self._counted: collections.deque[ProviderError] = collections.deque(maxlen=_REMEMBERED)

    @property
    def streak(self) -> int:
        """Transient failures in a row so far (0 after any answer)."""
        with self._lock:
            return self._failures

    def check(self) -> None:
        """Raise TransientBudgetExhausted when the budget is spent."""
        with self._lock:
            if self._spent is not None:
                raise self._spent

    def answered(self) -> None:
        """A provider answered (data or a definite refusal): the trouble is over."""
        with self._lock:
            self._failures, self._since = 0, None

    def failed(self, error: ProviderError) -> None:
        """Count one transient failure (once, however many see it); raise TransientBudgetExhausted once over either limit."""
        with self._lock:
            if self._spent is not None:
                raise self._spent
            if any(seen is error for seen in self._counted):
                return
            self._counted.append(error)
            now = self._clock.monotonic()
            if self._since is None:
                self._since = now
            self._failures += 1
            lasted = now - self._since
            if self._failures < self.limits.attempts and lasted < self.limits.seconds:
                return
            self._spent = _exhausted(error, self._failures, lasted)
            raise self._spent


def _exhausted(error: ProviderError, failures: int, lasted: float) -> TransientBudgetExhausted:
    """The one message a run stops with when transient trouble outlasted its budget."""
    return TransientBudgetExhausted(
        error.provider,
        error.endpoint,
        error.code,
        f"gave up after {failures} transient failures in a row over {lasted:.0f} s "
        f"(last: {error.message or 'no message'}); the provider is down or unreachable. Check "
        f"{_base_url_variable(error.provider)} and the network, then run again; to wait longer, raise "
        "apply.transient_attempts / apply.transient_seconds (CAMPAIGN_TRANSIENT_ATTEMPTS / CAMPAIGN_TRANSIENT_SECONDS)",
        error.request_id,
        error.http_status,
    )


def _base_url_variable(name: str) -> str:
    """The variable that points a provider's client at its API, for messages."""
    try:
        return provider(name).base_url_variable
    except KeyError:
        return "the base URL"
