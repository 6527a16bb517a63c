"""A lease on a campaign's shared state: who holds it, doing what, until when."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.lock.statelock import pid_alive


@dataclass(frozen=True, slots=True)
class Lease:
    """A held lock: who, doing what, since when, until when."""

    campaign: str
    lineage: str
    lock_id: str
    holder: dict[str, Any]
    operation: str
    since: str
    expires_at: str

    def describe(self) -> str:
        """One line for people."""
        who = ", ".join(f"{k} {v}" for k, v in self.holder.items() if v)
        return f"{self.lock_id} ({self.operation}) held by {who} since {self.since}, lease until {self.expires_at}"


def holder() -> dict[str, Any]:
    """This process: host, pid and CI run id when there is one."""
    run = os.environ.get("GITHUB_RUN_ID") or os.environ.get("CI_JOB_ID") or os.environ.get("BUILD_ID")
    return {"host": socket.gethostname(), "pid": os.getpid(), "ci_run": run}


def _boot_seconds() -> float:
    """A monotonic clock that keeps counting while the machine sleeps (a closed laptop), where the OS has one."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    return time.clock_gettime(boottime) if boottime is not None else time.monotonic()


class LeaseClock:
    """This runner's own idea of its lease: it lapses at the last renewal + the lease − a margin, on a local clock.

    A renewal counts from the moment it was asked for, so the server's expiry is never earlier than
    this runner believes; the margin covers a request on its way once the check has passed.
    """

    MARGIN_SHARE = 0.25  # of the lease
    MARGIN_CAP = 10.0  # seconds

    def __init__(self, now: Callable[[], float] = _boot_seconds) -> None:
        self.now = now
        self._renewed: float | None = None
        self._lease = 0.0

    def renewed(self, asked_at: float, lease: float) -> None:
        """A renewal asked for at `asked_at` succeeded."""
        self._renewed, self._lease = asked_at, lease

    def age(self) -> float:
        """Seconds since the last renewal was asked for."""
        return 0.0 if self._renewed is None else self.now() - self._renewed

    def lapsed(self) -> bool:
        """Whether the lease may have run out by now (never held: it has)."""
        if self._renewed is None:
            return True
        margin = min(self._lease * self.MARGIN_SHARE, self.MARGIN_CAP)
        return self.age() >= self._lease - margin


def holder_gone(recorded: dict[str, Any]) -> bool:
    """Whether a lease's holder provably ended: it ran on this host and its process is not running."""
    pid = recorded.get("pid")
    if recorded.get("host") != socket.gethostname() or not isinstance(pid, int) or pid == os.getpid():
        return False
    return not pid_alive(pid)
