"""Drift of one campaign: the lockfile against the disk, the calendar, the plan and (read-only) the providers."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.campaignfile.model import Spec
from runner.drift.findings import Finding, due_findings, local_findings, provider_findings
from runner.environment import provider_environment
from runner.lock.records import JobRecord, Lockfile
from runner.lock.world import check_world, world_from_env
from runner.plan.make import plan_for
from runner.providers.factory import factory_from_env
from runner.vocabulary.kinds import KindSpec, known_kind
from runner.vocabulary.states import JobState
from runner.workspace import Workspace

Presence = Callable[[Any, Mapping[str, JobRecord], int], dict[str, tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class DriftReport:
    """What `campaign drift` found, and how many jobs it looked at."""

    campaign: str
    lockfile: str
    world: str | None
    checked: int
    asked: int  # jobs the providers were asked about
    findings: tuple[Finding, ...] = field(default_factory=tuple)


def _presence(spec: KindSpec) -> Presence:
    module, _, name = spec.presence.partition(":")
    found: Presence = getattr(importlib.import_module(module), name)
    return found


def _askable(lock: Lockfile) -> dict[str, dict[str, JobRecord]]:
    """Kind -> its succeeded jobs that a presence check can ask about."""
    by_kind: dict[str, dict[str, JobRecord]] = {}
    for key, record in lock.jobs.items():
        kind = known_kind(record.kind)
        if record.state == JobState.SUCCEEDED and kind is not None and kind.presence:
            by_kind.setdefault(record.kind, {})[key] = record
    return by_kind


def ask_providers(workspace: Workspace, lock: Lockfile) -> tuple[int, dict[str, tuple[str, str]]]:
    """Ask each provider about the jobs it made (only read requests); (jobs asked about, missing by key)."""
    by_kind = _askable(lock)
    if not by_kind:
        return 0, {}
    missing: dict[str, tuple[str, str]] = {}
    kinds = {name: known_kind(name) for name in by_kind}
    providers = {spec.provider for spec in kinds.values() if spec is not None}
    with (
        provider_environment(workspace.sandbox, workspace.sandbox_state_file(lock.campaign)) as env,
        factory_from_env(env, state_dir=workspace.state_dir) as factory,
    ):
        check_world(lock.world, world_from_env(env, providers, sandbox=workspace.sandbox), workspace.lockfile)
        for name, records in sorted(by_kind.items()):
            spec = kinds[name]
            assert spec is not None
            missing.update(_presence(spec)(factory.client(spec.provider), records, spec.costs.poll_batch))
    return sum(len(r) for r in by_kind.values()), missing


def check_drift(spec: Spec, spec_arg: str, lock: Lockfile, workspace: Workspace, now: float) -> DriftReport:
    """Every finding for one campaign; the providers are asked only about what the lockfile records."""
    asked, missing = ask_providers(workspace, lock)
    findings = provider_findings(spec_arg, lock, missing)
    findings += local_findings(spec, spec_arg, lock, workspace.lockfile.parent, now)
    rotating = [g for g, life in spec.lifecycle.items() if life.every is not None]
    if rotating:
        findings += due_findings(spec_arg, plan_for(spec, lock, workspace.lockfile, now=now).plan, rotating)
    return DriftReport(
        campaign=spec.campaign,
        lockfile=str(workspace.lockfile),
        world=lock.world.describe() if lock.world else None,
        checked=len(lock.jobs),
        asked=asked,
        findings=tuple(findings),
    )
