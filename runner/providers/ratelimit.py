"""Client-side pacing: sliding-window limiters that wait before sending, not after a refusal."""

from __future__ import annotations

import collections
import threading

from runner.clock import Clock


class RateLimiter:
    """At most `limit` requests per `window` virtual seconds, with a safety margin."""

    def __init__(self, clock: Clock, limit: int, window: float, margin: float = 0.05) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window * (1 + margin)
        self._sent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def ready_in(self) -> float:
        """Virtual seconds until a request could be sent without waiting (0 = now)."""
        with self._lock:
            return self._ready_in(self._clock.monotonic())

    def _ready_in(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self._window:
            self._sent.popleft()
        if len(self._sent) < self._limit:
            return 0.0
        return self._sent[0] + self._window - now

    def acquire(self) -> None:
        """Block (on the clock) until a slot is free, then take it."""
        while True:
            with self._lock:
                now = self._clock.monotonic()
                wait = self._ready_in(now)
                if wait <= 0:
                    self._sent.append(now)
                    return
            self._clock.sleep(wait)

    def penalise(self, seconds: float) -> None:
        """After a refusal: treat the window as full for `seconds`."""
        with self._lock:
            now = self._clock.monotonic()
            fill = now + seconds - self._window
            self._sent.extend([fill] * max(0, self._limit - len(self._sent)))


class Limiters:
    """Several limiters acquired together (e.g. the app's QPS and an endpoint's QPM)."""

    def __init__(self, *limiters: RateLimiter) -> None:
        self.limiters = limiters

    def acquire(self) -> None:
        """Take a slot in every limiter."""
        for limiter in self.limiters:
            limiter.acquire()

    def ready_in(self) -> float:
        """The longest wait among them."""
        return max((limiter.ready_in() for limiter in self.limiters), default=0.0)
