"""Progress of an apply on stderr: a live line on a terminal, plain log lines in CI, pipes and dumb terminals."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from runner.terminal import consent_ask, live_redraws

LIVE_INTERVAL = 0.25  # seconds between redraws of the live line: four a second reads as live and stays cheap
PLAIN_INTERVAL = 5.0  # seconds between progress lines in logs, printed only when the counts moved
_CLEAR = "\r\033[K"


class LogReporter:
    """One line per job event; the counts as a live line (at most four redraws a second) or every few seconds."""

    def __init__(
        self, live: bool | None = None, *, stream: TextIO | None = None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self.live = live_redraws(self._stream) if live is None else live
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._line = ""  # the progress line last drawn (live) or printed (plain)
        self._shown = False  # whether the live line is on screen now
        self._drawn_at = float("-inf")

    def job_event(self, key: str, event: str, detail: str = "") -> None:
        """`created av-… task 123`, above the live line."""
        text = f"{event} {key}" + (f": {detail}" if detail else "")
        with self._lock:
            if not self.live:
                self._write(f"{text}\n")
                return
            # Clear, print the event, and put the status line back unless it was drawn a moment ago: a burst
            # of events then costs one redraw, and the next progress call brings the line back.
            now = self._monotonic()
            restore = self._shown and now - self._drawn_at >= LIVE_INTERVAL
            self._write(f"{_CLEAR}{text}\n" + (self._line if restore else ""))
            self._shown = restore
            if restore:
                self._drawn_at = now

    def consent_url(self, key: str, where: str, url: str) -> None:
        """`consent needed ha-…: ADDRESS: its subject must approve at URL`, the URL on a terminal only."""
        self.job_event(key, "consent needed", f"{where}: {consent_ask(url, self._stream)}")

    def progress(self, done: int, in_flight: int, failed: int, total: int, eta_seconds: float | None) -> None:
        """`[12/40 done, 5 in flight, 1 failed, ETA ~30s]`: redrawn when it changed, at most every 0.25 s."""
        counts = f"[{done}/{total} done, {in_flight} in flight, {failed} failed"
        line = counts + (f", ETA ~{int(eta_seconds)}s]" if eta_seconds else "]")
        finished = done + failed >= total
        now = self._monotonic()
        with self._lock:
            if self.live:
                if line == self._line and self._shown:
                    return
                if now - self._drawn_at < LIVE_INTERVAL and not finished:
                    return
                self._line, self._shown, self._drawn_at = line, True, now
                self._write(_CLEAR + line)
            else:
                moved = not self._line.startswith(counts)
                if moved and (now - self._drawn_at >= PLAIN_INTERVAL or finished):
                    self._line, self._drawn_at = line, now
                    self._write(line + "\n")

    def finish(self) -> None:
        """End the live line."""
        with self._lock:
            if self.live and self._shown:
                self._write(_CLEAR)
                self._shown = False

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()
