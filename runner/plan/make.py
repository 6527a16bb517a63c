"""The offline planning pipeline shared by `plan`, `apply` and `validate`."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from runner.approvals.book import Book, read_book
from runner.campaignfile.model import Spec
from runner.lock import lockfile
from runner.lock.records import Lockfile
from runner.plan.diff import diff
from runner.plan.expand import build_graph, load_checked
from runner.plan.model import JobGraph, Plan
from runner.plan.planfile import lock_digest, spec_digest
from runner.plan.rekey import rekeyed
from runner.plan.rotation import group_periods, recorded_periods
from runner.workspace import Workspace, approvals_path_for


@dataclass(frozen=True, slots=True)
class Planned:
    """Everything a command needs after planning."""

    spec: Spec
    lock_path: Path
    lock: Lockfile  # as read, with records an older release keyed differently under their jobs' keys
    graph: JobGraph
    plan: Plan
    approvals: Book  # the committed sign-offs (empty when the campaign needs none)


def plan_for(spec: Spec, lock: Lockfile, lock_path: Path, *, now: float | None = None) -> Planned:
    """Expand and diff an already loaded spec and lockfile at `now` (pure but for reading digests and the clock)."""
    recorded = recorded_periods(a for record in lock.jobs.values() for a in record.addresses)
    periods = group_periods(spec, time.time() if now is None else now, recorded)
    graph = build_graph(spec, lock.resolved_avatars, periods)
    lock = rekeyed(graph, lock)  # an older release's keys for the same jobs: matched here, written by the next apply
    plan = diff(graph, lock, max_retries=spec.apply.max_retries, retry_unknown=spec.apply.retry_unknown)
    plan = replace(plan, spec_digest=spec_digest(spec), lock_digest=lock_digest(lock_path))
    book = read_book(approvals_path_for(spec.path), spec.campaign) if spec.approvals else Book(spec.campaign)
    return Planned(spec, lock_path, lock, graph, plan, book)


def make_plan(spec_path: Path, lock_override: Path | None = None, *, sandbox: bool = False) -> Planned:
    """Load the spec and its lockfile (the sandbox's with `sandbox`), and plan; no network."""
    spec = load_checked(spec_path)
    lock_path = Workspace(spec_path, sandbox=sandbox, lock_override=lock_override).lockfile
    lock = lockfile.read(lock_path, spec.campaign)
    return plan_for(spec, lock, lock_path)
