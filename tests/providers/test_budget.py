"""The run's one transient budget: a failure counts once however many parts of the run see it."""

from __future__ import annotations

import pytest

from runner.providers.budget import TransientBudget, TransientLimits
from runner.providers.errors import OutcomeUnknown, TransientBudgetExhausted, TransientError
from tests.fake_clock import FakeClock


def test_a_failure_seen_by_the_client_and_the_engine_counts_once() -> None:
    budget = TransientBudget(FakeClock(), TransientLimits(attempts=3, seconds=1e6))
    error = TransientError("tiktok", "/x/", "50000", "busy")
    budget.failed(error)  # the client's last attempt
    budget.failed(error)  # the same failure reaching the engine
    assert budget.streak == 1
    budget.failed(OutcomeUnknown("heygen", "/v3/videos", "NO_REPLY", "lost"))  # one only the engine sees
    assert budget.streak == 2
    with pytest.raises(TransientBudgetExhausted, match="gave up after 3 transient failures"):
        budget.failed(TransientError("tiktok", "/x/", "50000", "busy"))
    with pytest.raises(TransientBudgetExhausted):
        budget.check()  # spent: it stays spent


def test_any_answer_resets_the_streak() -> None:
    budget = TransientBudget(FakeClock(), TransientLimits(attempts=2, seconds=1e6))
    budget.failed(TransientError("tiktok", "/x/", "50000", "busy"))
    budget.answered()
    assert budget.streak == 0
    budget.failed(TransientError("tiktok", "/x/", "50000", "busy"))  # one in a row again: not spent
    budget.check()
