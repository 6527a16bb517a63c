"""Ctrl-C during apply: the first interrupt drains and records, a second one exits at once."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

import click

from runner.execute.engine import Engine


@contextlib.contextmanager
def interrupts(engines: list[Engine]) -> Iterator[None]:
    """First SIGINT/SIGTERM: stop new requests and record replies; a second one exits at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    count = 0

    def handle(signum: int, frame: object) -> None:
        nonlocal count
        count += 1
        if count == 1:
            click.echo(
                "\nInterrupt received: no new requests; recording the replies of those already sent "
                "(a few seconds; interrupt again to exit at once).",
                err=True,
            )
            for engine in engines:
                engine.stop()
            return
        click.echo(
            "Two interrupts received. Exiting immediately; every request sent was written ahead to the "
            "journal, so the next apply resumes without paying twice.",
            err=True,
        )
        os._exit(130)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
