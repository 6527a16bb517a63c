"""Client-side pacing: sliding-window limiters that wait before sending, not after a refusal.

A slot is dated by the moment its reply arrived, not the moment it was sent: the server saw the
request no later than that, so spacing later requests from it keeps them inside the provider's
window whatever the network latency (no margin to tune). While a request is in flight, its slot
stays taken.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from runner.clock import Clock

IN_FLIGHT = float("inf")


class Slot:
    """One request's place in a window."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at = IN_FLIGHT


class Limiter(Protocol):
    """What the clients need of a limiter; an in-process one today, a shared backend later."""

    def acquire(self) -> Slot:
        """Block until a request may be sent; the returned slot is taken until `complete()`."""

    def complete(self, slot: Slot) -> None:
        """The reply arrived: date the slot."""

    def penalise(self, seconds: float) -> None:
        """After a refusal: treat the window as full for `seconds`."""

    def ready_in(self) -> float:
        """Seconds until a request could be sent without waiting."""


class RateLimiter:
    """At most `limit` requests per `window` virtual seconds, as the server will count them."""

    def __init__(
        self,
        clock: Clock,
        limit: int,
        window: float,
        margin: float = 0.0,
        on_complete: Callable[[RateLimiter], None] | None = None,
    ) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window * (1 + margin)
        self._slots: list[Slot] = []
        self._lock = threading.Lock()
        self._on_complete = on_complete

    @property
    def window(self) -> float:
        """The window's length in seconds."""
        return self._window

    def recent(self) -> list[float]:
        """The monotonic times of the answered slots still inside the window."""
        with self._lock:
            now = self._clock.monotonic()
            return [s.at for s in self._slots if s.at != IN_FLIGHT and s.at > now - self._window]

    def restore(self, stamps: list[float]) -> None:
        """Take back slots answered at these monotonic times (a previous process's requests)."""
        with self._lock:
            for at in stamps:
                slot = Slot()
                slot.at = at
                self._slots.append(slot)

    def _ready_in(self, now: float) -> float:
        self._slots = [s for s in self._slots if s.at == IN_FLIGHT or s.at > now - self._window]
        if len(self._slots) < self._limit:
            return 0.0
        done = [s.at for s in self._slots if s.at != IN_FLIGHT]
        if not done:
            return 0.05 * self._window  # all taken by requests in flight: look again shortly
        return min(done) + self._window - now

    def ready_in(self) -> float:
        """Virtual seconds until a request could be sent without waiting (0 = now)."""
        with self._lock:
            return self._ready_in(self._clock.monotonic())

    def acquire(self) -> Slot:
        """Block (on the clock) until a slot is free, then take it; `complete()` it when the reply arrives."""
        while True:
            with self._lock:
                wait = self._ready_in(self._clock.monotonic())
                if wait <= 0:
                    slot = Slot()
                    self._slots.append(slot)
                    return slot
            self._clock.sleep(wait)

    def complete(self, slot: Slot) -> None:
        """Date the slot by the reply's arrival."""
        with self._lock:
            slot.at = self._clock.monotonic()
        if self._on_complete is not None:
            self._on_complete(self)

    def penalise(self, seconds: float) -> None:
        """After a refusal: treat the window as full for `seconds`."""
        with self._lock:
            now = self._clock.monotonic()
            while len(self._slots) < self._limit:
                filler = Slot()
                filler.at = now + seconds - self._window
                self._slots.append(filler)


class Limiters:
    """Several limiters taken together (e.g. the app's QPS and an endpoint's QPM)."""

    def __init__(self, *limiters: Limiter) -> None:
        self.limiters = limiters

    def acquire(self) -> list[tuple[Limiter, Slot]]:
        """Take a slot in every limiter, the scarcest first."""
        return [(limiter, limiter.acquire()) for limiter in self.limiters]

    @staticmethod
    def complete(slots: list[tuple[Limiter, Slot]]) -> None:
        """Date the slots by the reply's arrival."""
        for limiter, slot in slots:
            limiter.complete(slot)

    def ready_in(self) -> float:
        """The longest wait among them."""
        return max((limiter.ready_in() for limiter in self.limiters), default=0.0)
