"""A lease on a campaign's shared state: who holds it, doing what, until when."""

from __future__ import annotations

import os
import socket
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


def holder_gone(recorded: dict[str, Any]) -> bool:
    """Whether a lease's holder provably ended: it ran on this host and its process is not running."""
    pid = recorded.get("pid")
    if recorded.get("host") != socket.gethostname() or not isinstance(pid, int) or pid == os.getpid():
        return False
    return not pid_alive(pid)
