"""A clock tests step by hand, for the sandbox, the clients and the engine."""

from __future__ import annotations

import threading


class FakeClock:
    """A clock that only moves when slept on or advanced: instant, deterministic tests."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        """Current fake time."""
        with self._lock:
            return self._now

    def time(self) -> float:
        """Current fake time."""
        return self.monotonic()

    def sleep(self, seconds: float) -> None:
        """Advance instead of blocking."""
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        if seconds > 0:
            with self._lock:
                self._now += seconds
