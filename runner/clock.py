"""Time as seen by the sandbox, the clients and the executor (tests step it with tests/fake_clock.py)."""

from __future__ import annotations

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
