"""The plan's closed set of actions and the values the planner hands to the executor."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from runner.approvals.status import Approval
from runner.campaignfile.values import Scalar
from runner.lock.records import JobRecord
from runner.plan.job import Job


class Action(enum.Enum):
    """What apply will do to one job (Terraform's symbols)."""

    CREATE = "create"
    RENAME = "rename"
    REPLACE = "replace"
    FORGET = "forget"
    NOOP = "no-op"
    BLOCKED = "blocked"  # a dependency failed for good: nothing apply can do

    @property
    def symbol(self) -> str:
        """The one-glance symbol shown in text plans."""
        return {"create": "+", "rename": "~", "replace": "-/+", "forget": "-", "no-op": " ", "blocked": "!"}[self.value]


class Resume(enum.StrEnum):
    """Where a CREATE starts from when the lockfile already has a record (derived from runner/vocabulary/states.py)."""

    SUBMITTED = "submitted"  # tasks known: polled, nothing paid
    PENDING = "pending"  # reply lost: adopted by name tag (avatar), or safely re-sent (upload, HeyGen)
    UNKNOWN = "unknown"  # a refresh whose reply was lost: cannot be matched; re-creating pays again
    RETRY = "retry"  # failed, within apply.max_retries: paid again


@dataclass(frozen=True, slots=True)
class SpokenCell:
    """What the avatar of one video cell says (disclosure included), where, and the evidence the cell names."""

    group_index: int
    script: str  # the script's id
    address: str
    text: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JobGraph:
    """Every job of a campaign, keyed, with `order` a topological order (dependencies first)."""

    campaign: str
    jobs: Mapping[str, Job]
    order: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    spoken: tuple[SpokenCell, ...] = ()  # every video cell's script as spoken, for the policy checks
    # Every cell of each video group with its label, in matrix order: where an address sits in the file.
    cells: Mapping[str, tuple[tuple[str, Mapping[str, Scalar]], ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Change:
    """One planned change.

    `job` is the wanted job (None for FORGET); `record` the lockfile record it starts
    from (None for a fresh CREATE); `replaces` the lockfile key a REPLACE supersedes.
    `resume` is set on a CREATE whose record is pending/submitted (nothing new is paid),
    a pending refresh (`unknown`: paid again only with consent) or failed (a retry, paid again).
    `reason` says why a job is blocked or failed for good, what a pending refresh costs, or how a retry's job failed.
    """

    action: Action
    key: str
    job: Job | None
    record: JobRecord | None = None
    replaces: str | None = None
    resume: Resume | None = None
    reason: str | None = (
        None  # blocked / failed for good / pending refresh / retry: why; a REPLACE asked by `--replace SEL`: why
    )
    approval: Approval | None = None  # a paid job that needs sign-off: who approved it, what it awaits

    def with_approval(self, approval: Approval) -> Change:
        """A copy carrying what the approvals file says of this job."""
        return replace(self, approval=approval)

    @property
    def settled_failure(self) -> bool:
        """Blocked, or failed for good: apply cannot do anything about it."""
        return self.action is Action.BLOCKED or (self.action is Action.NOOP and self.reason is not None)


@dataclass(frozen=True, slots=True)
class Estimate:
    """What the plan costs: videos generated (quota), API calls, and time."""

    videos: int
    api_calls: int
    eta_seconds: float


@dataclass(frozen=True, slots=True)
class Plan:
    """The diff of a job graph against a lockfile."""

    campaign: str
    changes: tuple[Change, ...]
    estimate: Estimate
    warnings: tuple[str, ...] = ()
    spec_digest: str = ""
    lock_digest: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)
    selection: Mapping[str, Any] = field(
        default_factory=dict
    )  # the selectors of a partial plan (select.Selection.to_data)
    budget: Mapping[str, Any] = field(default_factory=dict)  # quota delta, lifetime total, limits (budget.budget_data)
    missing_downloads: tuple[str, ...] = ()  # succeeded jobs whose videos are not on disk: apply fetches them, unpaid
    held: tuple[Change, ...] = ()  # apply's plan only: changes that await approval (and what depends on them)

    @property
    def has_changes(self) -> bool:
        """True when apply would do anything."""
        return any(c.action not in (Action.NOOP, Action.BLOCKED) for c in self.changes)

    @property
    def settled_failures(self) -> tuple[Change, ...]:
        """Jobs that are blocked or failed for good, with their reasons."""
        return tuple(c for c in self.changes if c.settled_failure)

    @property
    def detailed_exit_code(self) -> int:
        """`plan --detailed-exitcode`: 2 work apply can do; 1 only failed-for-good or blocked jobs left; 0 nothing."""
        if self.has_changes:
            return 2
        return 1 if self.settled_failures else 0
