from __future__ import annotations

import time

from runner.clock import RealClock
from tests.fake_clock import FakeClock


def test_real_clock_is_the_wall_clock() -> None:
    clock = RealClock()
    assert abs(clock.time() - time.time()) < 1.0
    before = clock.monotonic()
    clock.sleep(0.01)
    clock.sleep(-5)  # a negative wait returns at once
    assert 0.01 <= clock.monotonic() - before < 1.0


def test_the_scaled_clock_is_gone() -> None:
    import runner.clock

    assert not hasattr(runner.clock, "ScaledClock")


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(100.0)
    assert clock.monotonic() == 100.0
    clock.sleep(2.5)
    assert clock.time() == 102.5
    clock.sleep(-1)
    assert clock.monotonic() == 102.5
