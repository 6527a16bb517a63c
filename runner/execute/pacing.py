"""When to look at a task again: soon after the create, then at growing intervals shaped by what was seen.

Completion times are kept as a share of the documented bound (so scripts of any length, and
earlier runs recorded in the lockfile, inform each other). A task's render time is known only
between two looks: the last that saw it unfinished (a lower bound) and the first that saw it
finished (an upper bound, which also holds any wait for a poll slot). The first poll is shaped by
lower bounds only, so neither queueing nor old records ever delay it past what the provider could
need; the slowest upper bound of looks sent on time (else the lower bound) says how long a lost create
could still be rendering. The documented bound only caps the interval; it never delays the first look.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_POLL = 1.0  # seconds after the create's reply
MIN_INTERVAL = 0.5
GROWTH = 0.25  # the next look comes at most 25 % of the task's age later: found at most ~25 % late
CAP_SHARE = 0.1  # and at most 10 % of the documented bound later
SAMPLES_TO_TRUST = 3
LATE = 1.0  # seconds: a look handed out later than this after it was due waited for a slot


def next_interval(age: float, bound: float) -> float:
    """Seconds until the next look at a task created `age` seconds ago, documented to take up to `bound`."""
    return max(MIN_INTERVAL, min(GROWTH * age, CAP_SHARE * bound))


@dataclass
class PollPacer:
    """Poll schedule of one kind of task; `observe` each completion."""

    fastest: float = float("inf")  # shortest render surely needed (lower bounds), as a share of the documented bound
    slowest: float = 0.0  # longest render possibly needed (upper bounds)
    seen: int = 0  # renders that told how long one may take
    lower_seen: int = 0  # lower bounds seen

    def observe(self, seconds: float, bound: float, at_least: float = 0.0, *, on_time: bool = True) -> None:
        """Record one task seen finished `seconds` after its create, and seen unfinished `at_least` seconds after it.

        A look that went out late (it waited for a slot) bounds the render loosely: only `at_least` counts then.
        """
        if seconds <= 0 or bound <= 0:
            return
        needed = seconds if on_time else at_least
        if needed > 0:
            self.slowest = max(self.slowest, needed / bound)
            self.seen += 1
        if at_least > 0:
            self.fastest = min(self.fastest, min(at_least, seconds) / bound)
            self.lower_seen += 1

    def first(self, bound: float) -> float:
        """Seconds from the create's reply to the first poll."""
        if self.lower_seen >= SAMPLES_TO_TRUST:
            return max(FIRST_POLL, 0.9 * self.fastest * bound)
        return FIRST_POLL

    def next(self, age: float, bound: float) -> float:
        """Seconds until the next poll of a task created `age` seconds ago."""
        return next_interval(age, bound)

    def longest(self, bound: float) -> float:
        """The longest completion seen, in seconds for this bound (0 when none)."""
        return self.slowest * bound
