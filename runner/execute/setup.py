"""A run's parts, and how a run starts: from a plan (apply), or from the lockfile's submitted jobs (poll-only)."""

from __future__ import annotations

from dataclasses import dataclass

from runner.execute.artifacts import needs_downloads
from runner.execute.downloads import DownloadQueue
from runner.execute.drivers import Drivers
from runner.execute.journal import Journal
from runner.execute.ledger import Ledger
from runner.execute.ports import Ports
from runner.execute.runs import JobRun, RunGraph, job_of_record
from runner.execute.scheduler import Scheduler
from runner.plan.job import Job
from runner.plan.model import Action, Change, Plan, Resume
from runner.vocabulary.states import JobState, Phase


@dataclass(frozen=True)
class RunParts:
    """The parts of one run, as the engine wires them."""

    journal: Journal
    graph: RunGraph
    ledger: Ledger
    scheduler: Scheduler
    drivers: Drivers
    downloads: DownloadQueue
    ports: Ports


def from_plan(parts: RunParts, plan: Plan) -> None:
    """Runs for the plan's creates; renames, forgets and blocked jobs; history for the pacers; missing downloads."""
    graph = parts.graph
    graph.jobs.update({c.key: c.job for c in plan.changes if c.job is not None})
    parts.drivers.load({str(job.kind) for job in graph.jobs.values()})
    creates = [c for c in plan.changes if c.action in (Action.CREATE, Action.REPLACE) and c.job is not None]
    _bookkeeping(parts, plan.changes)
    feeds = {d for job in graph.jobs.values() for d in job.depends_on}
    for change in creates:
        assert change.job is not None
        graph.add(JobRun(change.job, Phase.WAITING, priority=0 if change.key in feeds else 1))
        if change.replaces:
            parts.ledger.replaces[change.key] = change.replaces
        if change.reason:
            parts.ledger.reasons[change.key] = change.reason
    learn_history(parts)
    for change in creates:
        _start(parts, graph.runs[change.key], change.resume)
    _block_orphans(parts)
    if parts.downloads.enabled:
        for key in needs_downloads(parts.journal.snapshot(), parts.journal.path.parent):
            if key not in graph.runs:
                parts.downloads.want_fresh_urls(key)
    parts.journal.flush()


def _bookkeeping(parts: RunParts, changes: tuple[Change, ...]) -> None:
    """Forgets drop their records, renames reach the provider (or the lockfile), blocked jobs are reported."""
    for change in changes:
        if change.action is Action.FORGET:
            parts.ledger.forget(change.key)
        elif change.action is Action.RENAME:
            parts.drivers.get(str(parts.graph.jobs[change.key].kind)).rename(change.key)
        elif change.action is Action.BLOCKED and change.job is not None:
            parts.ledger.block(parts.graph.add(JobRun(change.job, Phase.WAITING, priority=0)), change.reason or "")


def learn_history(parts: RunParts) -> None:
    """Earlier runs' completion times, as upper bounds only (a lost create's wait): they never delay a first poll."""
    for key, record in parts.journal.snapshot().jobs.items():
        job = parts.graph.jobs.get(key)
        if job is None or record.submitted_at is None or record.finished_at is None or not record.task_ids:
            continue
        driver = parts.drivers.get(str(job.kind))
        driver.pacer.observe(record.finished_at - record.submitted_at, driver.bound(JobRun(job, Phase.DONE)))


def _start(parts: RunParts, run: JobRun, resume: Resume | None) -> None:
    """Count unmet dependencies, then poll, resume or queue the job."""
    record = parts.ledger.record(run.key)
    for dep in run.job.depends_on:
        dep_record = parts.ledger.record(dep)
        if dep_record is None or dep_record.state != JobState.SUCCEEDED:
            parts.graph.wait_for(run, dep)
    if record is not None and record.state in (JobState.PENDING, JobState.SUBMITTED) and record.name != run.job.name:
        run.rename = True  # renamed in the spec while in flight: the name follows once it finishes
    driver = parts.drivers.get(run.kind)
    if resume == Resume.SUBMITTED and record is not None:
        driver.resume_submitted(run, record)
    elif resume in (Resume.PENDING, Resume.UNKNOWN) and record is not None:
        driver.resume_pending(run, record)
    elif run.unmet == 0:
        parts.scheduler.make_ready(run)


def _block_orphans(parts: RunParts) -> None:
    """A job waiting on a dependency this run will not make is blocked, and so is everything downstream."""
    for run in list(parts.graph.runs.values()):
        if run.phase == Phase.WAITING and any(_never_made(parts, dep) for dep in run.job.depends_on):
            run.phase = Phase.BLOCKED
            parts.ledger.block_dependents(run.key, f"{run.key} is blocked")


def _never_made(parts: RunParts, key: str) -> bool:
    record = parts.ledger.record(key)
    return key not in parts.graph.runs and (record is None or record.state != JobState.SUCCEEDED)


def from_lockfile(parts: RunParts) -> None:
    """Poll-only: a run for every `submitted` job with task ids, looked at once (no creates, no downloads)."""
    submitted = {k: r for k, r in parts.journal.snapshot().jobs.items() if r.state == JobState.SUBMITTED and r.task_ids}
    jobs: dict[str, Job] = {key: job_of_record(key, record) for key, record in submitted.items()}
    parts.graph.jobs.update(jobs)
    parts.drivers.load({record.kind for record in submitted.values()})
    for key, record in sorted(submitted.items()):
        run = parts.graph.add(JobRun(jobs[key], Phase.WAITING))
        parts.drivers.get(run.kind).resume_submitted(run, record)
