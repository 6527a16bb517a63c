"""The job state machine: recorded states, working phases, events and the one transition table.

`docs/apply.md` shows TRANSITIONS as a table and a test walks every row of it, so the
documentation, the plan (runner/plan/diff.py) and the engine cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from runner.vocabulary.errors import retryable


class JobState(StrEnum):
    """The lockfile's `state` (contract: these four values only)."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Phase(StrEnum):
    """Where one job is within one run (memory only)."""

    WAITING = "waiting"  # for its dependencies
    READY = "ready"  # to be created
    CREATING = "creating"  # create sent, reply awaited
    POLLING = "polling"  # tasks known, not finished
    ADOPTING = "adopting"  # reply lost, looking for the video by its name tag
    ASKING = "asking"  # a re-create needs the user's consent (`--retry-unknown`)
    DONE = "done"
    FAILED = "failed"
    BLOCKED = "blocked"  # a dependency failed for good
    CONSENT = "consent"  # a digital twin (or a video of it) waits for its subject's consent: a later apply goes on

    @property
    def finished(self) -> bool:
        """True when the run will do nothing more for this job."""
        return self in (Phase.DONE, Phase.FAILED, Phase.BLOCKED, Phase.ASKING, Phase.CONSENT)


class Event(StrEnum):
    """What can happen to a job."""

    SEND = "send"  # the write-ahead of a paid create
    NOT_SENT = "not sent"  # connect refused, DNS, TLS, invalid URL, interrupted before sending
    REFUSED = "refused"  # the provider definitely refused the create (parameter error)
    REFUSED_FOR_NOW = "refused for now"  # refused for a reason that may pass (a source it could not fetch)
    AUTH_REFUSED = "auth refused"  # token missing, invalid or expired
    ACCEPTED = "accepted"  # task ids in the create's reply
    REPLY_LOST = "reply lost"  # sent, but no reply (timeout, 5xx after sending, crash)
    ADOPTED = "adopted"  # a lost create's video found by its name tag
    NEVER_HAPPENED = "never happened"  # a lost create's video still absent after the adoption wait: an attempt
    TASK_SUCCEEDED = "task succeeded"
    TASK_FAILED = "task failed"
    TASK_LOST = "task lost"  # the provider no longer knows the task ids
    SOURCE_FORGOTTEN = "source forgotten"  # the provider lost an uploaded stock video
    CHECK_FAILED = "check failed"  # the downloaded video failed its post-render check


BEFORE = "(before)"  # `to`: the record as it was before the write-ahead (a rollback)
NONE = "(none)"  # no record in the lockfile


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the table."""

    to: str  # a JobState value, BEFORE or NONE
    attempts: int  # change of `attempts` (a rollback to BEFORE restores the whole record, its count included)
    plan_shows: str
    apply_does: str


# (from state, event) -> transition; the from state is a JobState value or NONE.
TRANSITIONS: dict[tuple[str, Event], Transition] = {
    (NONE, Event.SEND): Transition(JobState.PENDING, +1, "+ create", "write-ahead, then send the create"),
    (JobState.FAILED, Event.SEND): Transition(
        JobState.PENDING,
        +1,
        "+ create (retry, within max_retries)",
        "write-ahead, then send the create (a render: under the new attempt's key)",
    ),
    (JobState.SUCCEEDED, Event.SEND): Transition(
        JobState.PENDING,
        +1,
        "-/+ replace (re-render on request, `--replace`)",
        "keep the superseded ids in `replaced`, then send",
    ),
    (JobState.PENDING, Event.SEND): Transition(
        JobState.PENDING,
        +1,
        "+ create (pending refresh: costs again)",
        "only with consent (`--retry-unknown`, a yes on a terminal, or within `apply.retry_unknown`)",
    ),
    (JobState.PENDING, Event.NOT_SENT): Transition(
        BEFORE, 0, "as before the create", "retry within the transient budget; never an attempt"
    ),
    (JobState.PENDING, Event.AUTH_REFUSED): Transition(
        BEFORE, 0, "as before the create", "stop the run, name the variable to fix"
    ),
    (JobState.PENDING, Event.REFUSED): Transition(
        JobState.FAILED, -1, "failed for good (change the spec)", "record the provider's words; go on with other jobs"
    ),
    (JobState.PENDING, Event.REFUSED_FOR_NOW): Transition(
        JobState.FAILED,
        0,
        "+ create (retry, within max_retries) or failed for good",
        "record the provider's words; a later apply sends it again",
    ),
    (JobState.PENDING, Event.ACCEPTED): Transition(
        JobState.SUBMITTED, 0, "+ create (resumes submitted tasks, free)", "record task ids, then poll"
    ),
    (JobState.PENDING, Event.REPLY_LOST): Transition(
        JobState.PENDING,
        0,
        "+ create (reply lost: adopt or ask)",
        "adopt by name tag; re-send uploads, and renders under their key while its window lasts (after it, look up by title first); ask for refreshes",
    ),
    (JobState.PENDING, Event.ADOPTED): Transition(JobState.SUCCEEDED, 0, "up to date", "record the adopted video id"),
    (JobState.PENDING, Event.SOURCE_FORGOTTEN): Transition(
        BEFORE, 0, "as before the create", "upload the source again, then create"
    ),
    (JobState.PENDING, Event.NEVER_HAPPENED): Transition(
        JobState.FAILED,
        0,
        "+ create (retry) or failed for good",
        (
            "counts as an attempt: create it again within max_retries (a new attempt), else failed for good; "
            "a create a gateway answered with an error (HTTP 500/502/503, not a 504 timeout) is instead rolled back "
            "as `not sent`"
        ),
    ),
    (JobState.SUBMITTED, Event.TASK_SUCCEEDED): Transition(
        JobState.SUCCEEDED, 0, "up to date", "record video ids, download"
    ),
    (JobState.SUBMITTED, Event.TASK_FAILED): Transition(
        JobState.FAILED, 0, "+ create (retry) or failed for good", "record the provider's reason"
    ),
    (JobState.SUBMITTED, Event.TASK_LOST): Transition(
        JobState.FAILED,
        0,
        "+ create (retry) or failed for good",
        "record that the provider forgot the tasks, with its words",
    ),
    (JobState.SUBMITTED, Event.ADOPTED): Transition(
        JobState.SUCCEEDED, 0, "up to date", "the provider forgot the tasks: record the video found by its name tag"
    ),
    (JobState.SUCCEEDED, Event.SOURCE_FORGOTTEN): Transition(
        NONE, 0, "+ create", "drop the upload's record and upload again"
    ),
    (JobState.SUCCEEDED, Event.CHECK_FAILED): Transition(
        JobState.FAILED,
        0,
        "-/+ replace (the video failed its post-render check)",
        "keep the file and its ids; record the check's reason; block dependents not yet started",
    ),
}


class IllegalTransition(Exception):
    """An event that cannot happen in a state: a bug."""


def transition(state: str, event: Event) -> Transition:
    """The table's row for `event` in `state` (a JobState value or NONE)."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(f"{event.value} cannot happen to a job in state {state}") from None


def failed_for_good(
    state: str, attempts: int, error_code: str | None, max_retries: int, provider: str | None = None
) -> bool:
    """A failed job that apply will not retry: refused by the provider, or out of retries."""
    if state != JobState.FAILED:
        return False
    return not retryable(error_code, provider) or attempts > max_retries
