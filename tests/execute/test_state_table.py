"""docs/apply.md's state-machine table is the code's: every row is driven through transition(), and every transition has a row."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.vocabulary.states import (
    BEFORE,
    TRANSITIONS,
    Event,
    IllegalTransition,
    JobState,
    failed_for_good,
    transition,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "apply.md"


def table_rows() -> list[list[str]]:
    """The rows between the state-table markers, cells stripped."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split("<!-- state-table -->", 1)[1].split("<!-- /state-table -->", 1)[0]
    lines = [line for line in body.strip().splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def test_every_documented_row_is_the_code() -> None:
    rows = table_rows()
    assert rows, "the table is missing from docs/apply.md"
    for frm, event, to, attempts, plan_shows, apply_does in rows:
        row = transition(frm, Event(event))
        assert row.to == to, (frm, event)
        expected_attempts = "restored" if row.to == BEFORE else f"{row.attempts:+d}" if row.attempts else "0"
        assert attempts == expected_attempts, (frm, event)
        assert plan_shows == row.plan_shows and apply_does == row.apply_does.replace("|", "/"), (frm, event)
    assert len(rows) == len(TRANSITIONS) == len({(r[0], r[1]) for r in rows})


def test_an_event_outside_the_table_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        transition(JobState.SUCCEEDED, Event.ACCEPTED)
    with pytest.raises(IllegalTransition):
        transition(JobState.PENDING, Event.TASK_SUCCEEDED)


def test_the_four_contract_states_only() -> None:
    assert {s.value for s in JobState} == {"pending", "submitted", "succeeded", "failed"}
    targets = {t.to for t in TRANSITIONS.values()}
    assert targets - {s.value for s in JobState} == {"(before)", "(none)"}


def test_not_sent_never_counts_and_never_fails() -> None:
    row = transition(JobState.PENDING, Event.NOT_SENT)
    assert row.to == BEFORE  # the record as it was: attempts and state restored
    assert transition(JobState.PENDING, Event.AUTH_REFUSED).to == BEFORE


def test_failed_for_good_rules() -> None:
    assert failed_for_good("failed", 1, "TASK_FAILED", max_retries=1) is False  # retried once more
    assert failed_for_good("failed", 2, "TASK_FAILED", max_retries=1) is True  # out of retries
    assert failed_for_good("failed", 0, "40002", max_retries=1) is True  # a refusal: the same request fails again
    assert failed_for_good("pending", 5, None, max_retries=1) is False
    assert failed_for_good("failed", 1, "40011", max_retries=1, provider="tiktok") is False  # a fetch: retried
    assert failed_for_good("failed", 2, "40011", max_retries=1, provider="tiktok") is True  # within max_retries
