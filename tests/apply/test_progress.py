"""The apply progress reporter: a throttled live line on terminals, plain lines in logs and CI."""

from __future__ import annotations

import io

import pytest

from runner.apply.progress import LIVE_INTERVAL, PLAIN_INTERVAL, LogReporter
from runner.terminal import live_redraws


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_line_redraws_at_most_four_times_a_second() -> None:
    stream, clock = io.StringIO(), FakeTime()
    reporter = LogReporter(live=True, stream=stream, monotonic=clock)
    for step in range(1000):  # an engine loop reporting every millisecond for one second, the ETA moving
        clock.now = 100.0 + step / 1000
        reporter.progress(step // 100, 5, 0, 53, 60.0 - step / 10)
    redraws = stream.getvalue().count("\r\033[K")
    assert 1 <= redraws <= 1 / LIVE_INTERVAL + 1


def test_an_unchanged_line_is_not_redrawn_and_the_last_state_always_is() -> None:
    stream, clock = io.StringIO(), FakeTime()
    reporter = LogReporter(live=True, stream=stream, monotonic=clock)
    for _ in range(10):
        clock.now += 1
        reporter.progress(3, 1, 0, 4, None)
    assert stream.getvalue().count("\r\033[K") == 1
    reporter.progress(4, 0, 0, 4, None)  # within the interval, but the run is complete: drawn
    reporter.finish()
    out = stream.getvalue()
    assert "[4/4 done, 0 in flight, 0 failed]" in out and out.endswith("\r\033[K")


def test_an_event_is_printed_above_the_live_line_which_comes_back() -> None:
    stream, clock = io.StringIO(), FakeTime()
    reporter = LogReporter(live=True, stream=stream, monotonic=clock)
    reporter.progress(0, 1, 0, 2, None)
    clock.now += 1
    reporter.job_event("av-1", "created", "task 7")
    assert stream.getvalue().endswith("\r\033[Kcreated av-1: task 7\n[0/2 done, 1 in flight, 0 failed]")
    reporter.job_event("av-2", "created", "task 8")  # a burst: the line comes back with the next progress call
    assert stream.getvalue().endswith("\r\033[Kcreated av-2: task 8\n")
    reporter.progress(0, 2, 0, 2, None)  # too soon after the last redraw
    clock.now += LIVE_INTERVAL
    reporter.progress(0, 2, 0, 2, None)
    assert stream.getvalue().endswith("task 8\n\r\033[K[0/2 done, 2 in flight, 0 failed]")


def test_plain_lines_only_when_the_counts_moved_and_every_few_seconds() -> None:
    stream, clock = io.StringIO(), FakeTime()
    reporter = LogReporter(live=False, stream=stream, monotonic=clock)
    reporter.progress(0, 5, 0, 10, 50.0)
    clock.now += 1
    reporter.progress(1, 4, 0, 10, 49.0)  # too soon
    clock.now += PLAIN_INTERVAL
    reporter.progress(2, 3, 0, 10, 40.0)
    clock.now += PLAIN_INTERVAL
    reporter.progress(2, 3, 0, 10, 35.0)  # only the ETA changed
    reporter.progress(10, 0, 0, 10, None)  # finished: printed at once
    reporter.finish()
    lines = stream.getvalue().splitlines()
    assert lines == [
        "[0/10 done, 5 in flight, 0 failed, ETA ~50s]",
        "[2/10 done, 3 in flight, 0 failed, ETA ~40s]",
        "[10/10 done, 0 in flight, 0 failed]",
    ]
    assert "\r" not in stream.getvalue() and "\033" not in stream.getvalue()


def test_live_redraws_only_on_an_interactive_terminal_outside_ci() -> None:
    assert live_redraws(Terminal(), {"TERM": "xterm-256color"})
    assert not live_redraws(io.StringIO(), {"TERM": "xterm"})  # a pipe or a file
    assert not live_redraws(Terminal(), {"TERM": "dumb"})
    assert not live_redraws(Terminal(), {"TERM": "xterm", "CI": "true"})
    assert live_redraws(Terminal(), {"TERM": "xterm", "CI": "false"})


def test_a_reporter_on_a_ci_terminal_prints_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")
    assert LogReporter(stream=Terminal()).live is False
    monkeypatch.delenv("CI")
    monkeypatch.setenv("TERM", "xterm")
    assert LogReporter(stream=Terminal()).live is True
