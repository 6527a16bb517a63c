"""Terminal output of apply's progress reporter under a busy engine loop: redraws and bytes.

Drives the reporter as an engine that reports after every reply would: 53 jobs, each created and
finished once, with a progress call every millisecond for three seconds. Run it on a terminal to
count what a user's terminal receives, e.g.

    script -qc ".venv/bin/python benchmarks/progress_redraws.py" /tmp/progress.typescript

It prints the redraws and bytes it wrote to stderr (on stdout, after the run).
"""

from __future__ import annotations

import io
import sys
import time

from runner.apply.progress import LogReporter

JOBS = 53
SECONDS = 3.0
CALL_EVERY = 0.001


class CountingStream(io.TextIOBase):
    """stderr, counting what passes through."""

    def __init__(self) -> None:
        self.bytes = 0
        self.redraws = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        self.redraws += text.count("\r")
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def main() -> None:
    """Run the simulated apply and print the counts."""
    stream = CountingStream()
    try:
        reporter = LogReporter(stream=stream)
    except TypeError:  # a reporter from before the redraw limit writes to sys.stderr itself (compare with `script`)
        reporter = LogReporter()
    start = time.monotonic()
    created = finished = 0
    while (elapsed := time.monotonic() - start) < SECONDS:
        share = elapsed / SECONDS
        while created < min(JOBS, int(share * 2 * JOBS) + 1):
            reporter.job_event(f"av-{created:016x}", "created", f"task {created}")
            created += 1
        while finished < int(share * JOBS):
            reporter.job_event(f"av-{finished:016x}", "succeeded", f"video {finished}")
            finished += 1
        reporter.progress(finished, created - finished, 0, JOBS, SECONDS - elapsed)
        time.sleep(CALL_EVERY)
    reporter.progress(JOBS, 0, 0, JOBS, None)
    reporter.finish()
    print(f"live={reporter.live} redraws={stream.redraws} bytes={stream.bytes}")


if __name__ == "__main__":
    main()
