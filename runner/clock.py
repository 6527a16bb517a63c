"""Time as seen by the sandbox, the clients and the executor: real, or stepped by tests."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Seconds; every duration in the APIs' documentation is in these units."""

    def monotonic(self) -> float:
        """Seconds since an arbitrary start, never going back."""

    def time(self) -> float:
        """Unix time (for create_time, URL expiry, lock timestamps)."""

    def sleep(self, seconds: float) -> None:
        """Block for this many seconds."""


class RealClock:
    """The wall clock."""

    def monotonic(self) -> float:
        """Seconds since an arbitrary start."""
        return time.monotonic()

    def time(self) -> float:
        """Unix time."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Block for `seconds`."""
        if seconds > 0:
            time.sleep(seconds)


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
