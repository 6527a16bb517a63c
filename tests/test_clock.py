from __future__ import annotations

import time

from runner.clock import FakeClock, ScaledClock


def test_scaled_clock_runs_faster() -> None:
    clock = ScaledClock(0.001)
    start_real, start_virtual = time.monotonic(), clock.monotonic()
    clock.sleep(20)  # 20 virtual seconds = 20 ms
    assert time.monotonic() - start_real < 1.0
    assert clock.monotonic() - start_virtual >= 19.9


def test_scaled_clocks_agree_on_virtual_wall_time() -> None:
    a, b = ScaledClock(0.01), ScaledClock(0.01)
    assert abs(a.time() - b.time()) < 1.0


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(100.0)
    assert clock.monotonic() == 100.0
    clock.sleep(2.5)
    assert clock.time() == 102.5
    clock.sleep(-1)
    assert clock.monotonic() == 102.5
