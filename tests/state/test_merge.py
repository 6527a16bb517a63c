"""The backend's state beside the checkout's: replies only the checkout saw are kept, later attempts are not undone."""

from __future__ import annotations

from dataclasses import replace

from runner.lock.records import JobRecord, Lockfile
from runner.state.merge import lacking, merge_local

SENT = JobRecord(
    "avatar_video",
    "tiktok",
    "pending",
    ("videos.promo[avatar=a0]",),
    attempts=1,
    submitted_at=1_790_000_000.0,  # type: ignore[arg-type]
)
ANSWERED = replace(SENT, state="submitted", task_ids=("7400000000000000001",))


def test_a_reply_only_the_checkout_saw_is_merged_into_the_backend_s_state() -> None:
    retried = replace(SENT, attempts=2, submitted_at=1_790_000_900.0)  # the backend went on: a later attempt
    stored = Lockfile(campaign="c", serial=4, jobs={"a": SENT, "b": retried, "c": ANSWERED})
    local = Lockfile(campaign="c", serial=5, jobs={"a": ANSWERED, "b": replace(ANSWERED, state="failed"), "d": SENT})
    merged = merge_local(stored, local)
    assert merged.jobs == {"a": ANSWERED, "b": retried, "c": ANSWERED}  # "d" was never sent: the backend never knew
    assert merged.serial == 4 and merge_local(stored, stored) is stored


def test_push_lacks_what_the_backend_has_in_flight_and_the_pushed_state_does_not_know() -> None:
    stored = Lockfile(
        campaign="c", jobs={"a": SENT, "b": ANSWERED, "c": ANSWERED, "done": replace(ANSWERED, state="succeeded")}
    )
    pushed = Lockfile(campaign="c", jobs={"a": ANSWERED, "b": ANSWERED, "c": SENT})
    assert set(lacking(stored, pushed)) == {"c"}  # "c" has a task the pushed state lost; "done" is not in flight
    assert lacking(stored, Lockfile(campaign="c")).keys() == {"a", "b", "c"}
