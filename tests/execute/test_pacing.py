"""Poll pacing learns the provider's speed from what looks bound, never from queueing or old records."""

from __future__ import annotations

from runner.execute.pacing import FIRST_POLL, PollPacer


def test_upper_bounds_alone_never_delay_the_first_poll() -> None:
    pacer = PollPacer()
    for _ in range(5):  # seen finished only after 180 s of a 100 s bound: polls waited for their slots
        pacer.observe(180.0, 100.0)
    assert pacer.first(100.0) == FIRST_POLL
    assert pacer.longest(100.0) == 180.0  # a lost create may still be rendering that long


def test_the_first_poll_comes_just_before_the_shortest_render_seen_running() -> None:
    pacer = PollPacer()
    for running, finished in ((40.0, 300.0), (50.0, 60.0), (45.0, 90.0)):
        pacer.observe(finished, 100.0, at_least=running)
    assert abs(pacer.first(100.0) - 0.9 * 40.0) < 1e-9
    assert pacer.longest(100.0) == 300.0


def test_fewer_than_three_lower_bounds_keep_the_first_poll_at_one_second() -> None:
    pacer = PollPacer()
    pacer.observe(60.0, 100.0, at_least=50.0)
    pacer.observe(60.0, 100.0, at_least=50.0)
    pacer.observe(60.0, 100.0)
    assert pacer.first(100.0) == FIRST_POLL


def test_a_late_look_tells_only_what_the_render_surely_needed() -> None:
    pacer = PollPacer()
    pacer.observe(30.0, 100.0, at_least=2.0, on_time=False)  # the finishing look waited 28 s for a slot
    pacer.observe(3.0, 100.0, at_least=2.5)
    assert pacer.longest(100.0) == 3.0
    pacer.observe(40.0, 100.0, on_time=False)  # first looked at late, already finished: tells nothing
    assert pacer.seen == 2 and pacer.longest(100.0) == 3.0
