"""A runner's own idea of its lease: it lapses before the server's, on a clock that counts pauses."""

from __future__ import annotations

from runner.state.lease import LeaseClock


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_lease_lapses_a_margin_before_its_renewal_plus_its_length() -> None:
    ticks = Ticks()
    clock = LeaseClock(ticks)
    assert clock.lapsed()  # never renewed: never held
    clock.renewed(ticks(), 120.0)
    ticks.now += 109.9
    assert not clock.lapsed()
    ticks.now += 0.1  # 120 s lease - 10 s margin (a quarter, capped at 10 s)
    assert clock.lapsed() and clock.age() == 110.0


def test_a_short_lease_keeps_a_quarter_as_its_margin_and_a_renewal_counts_from_when_it_was_asked() -> None:
    ticks = Ticks()
    clock = LeaseClock(ticks)
    asked = ticks()
    ticks.now += 1.0  # the renewal's reply came a second later
    clock.renewed(asked, 2.0)
    ticks.now += 0.49
    assert not clock.lapsed()
    ticks.now += 0.01
    assert clock.lapsed()
