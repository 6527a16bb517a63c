"""Progress of an apply: a live line on a terminal, plain log lines otherwise (stderr)."""

from __future__ import annotations

import sys
import threading
import time

import click


class LogReporter:
    """One line per job event; progress summarised every few seconds."""

    def __init__(self, live: bool | None = None) -> None:
        self.live = sys.stderr.isatty() if live is None else live
        self._last = 0.0
        self._lock = threading.Lock()

    def job_event(self, key: str, event: str, detail: str = "") -> None:
        """`created av-… task 123`."""
        with self._lock:
            if self.live:
                click.echo("\r\033[K", nl=False, err=True)
            click.echo(f"{event} {key}" + (f": {detail}" if detail else ""), err=True)

    def progress(self, done: int, in_flight: int, failed: int, total: int, eta_seconds: float | None) -> None:
        """`[12/40 done, 5 in flight, 1 failed]`, live on a TTY, every 5 s in logs."""
        now = time.monotonic()
        with self._lock:
            eta = f", ETA ~{int(eta_seconds)}s" if eta_seconds else ""
            line = f"[{done}/{total} done, {in_flight} in flight, {failed} failed{eta}]"
            if self.live:
                click.echo(f"\r\033[K{line}", nl=False, err=True)
            elif now - self._last >= 5.0:
                click.echo(line, err=True)
                self._last = now

    def finish(self) -> None:
        """End the live line."""
        if self.live:
            click.echo("\r\033[K", nl=False, err=True)
