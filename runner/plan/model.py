"""The plan's closed set of actions and the values the planner hands to the executor."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping

from runner.lock.lockfile import JobRecord
from runner.plan.job import Job


class Action(enum.Enum):
    """What apply will do to one job (Terraform's symbols)."""

    CREATE = "create"
    RENAME = "rename"
    REPLACE = "replace"
    FORGET = "forget"
    NOOP = "no-op"

    @property
    def symbol(self) -> str:
        """The one-glance symbol shown in text plans."""
        return {"create": "+", "rename": "~", "replace": "-/+", "forget": "-", "no-op": " "}[self.value]


@dataclass(frozen=True, slots=True)
class JobGraph:
    """Every job of a campaign, keyed, with `order` a topological order (dependencies first)."""

    campaign: str
    jobs: Mapping[str, Job]
    order: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Change:
    """One planned change.

    `job` is the wanted job (None for FORGET); `record` the lockfile record it starts
    from (None for a fresh CREATE); `replaces` the lockfile key a REPLACE supersedes.
    `resume` is set on a CREATE whose record is pending/submitted (nothing new is paid)
    or failed (a retry, paid again).
    """

    action: Action
    key: str
    job: Job | None
    record: JobRecord | None = None
    replaces: str | None = None
    resume: str | None = None  # None | "submitted" | "pending" | "retry"
    reason: str | None = None  # why a REPLACE of an unchanged job was asked for (`--replace SEL`)


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
    selection: Mapping[str, Any] = field(default_factory=dict)  # the selectors of a partial plan (select.Selection.to_data)
    budget: Mapping[str, Any] = field(default_factory=dict)  # quota delta, lifetime total, limits (budget.budget_data)

    @property
    def has_changes(self) -> bool:
        """True when apply would do anything."""
        return any(c.action is not Action.NOOP for c in self.changes)
