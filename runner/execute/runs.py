"""The jobs of one run (memory only; the journal has the durable part) and who waits for whom."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from dataclasses import InitVar, dataclass, field
from typing import cast

from runner.lock.records import JobRecord
from runner.plan.job import Job
from runner.plan.requests import Request, from_canonical
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.states import Phase


@dataclass(eq=False)
class JobRun:
    """One job within this run."""

    job: Job
    initial: InitVar[Phase]
    priority: int = 1  # 0: feeds a refresh chain (the critical path)
    before: JobRecord | None = None  # the record before this run's write-ahead: what a rollback restores
    unmet: int = 0  # dependencies not yet succeeded
    due: float = 0.0
    timer: int = 0  # the live timer entry's number (older entries are stale)
    accepted_at: float = 0.0  # monotonic time of the create's reply (poll ages)
    lost_at: float = 0.0  # monotonic time a create's reply was lost (adoption)
    # that create was answered with an error (not silence): if nothing it made is found, not an attempt
    lost_answered: bool = False
    missing: int = 0  # polls in a row whose reply left its tasks out (or refused them)
    resends: int = 0  # creates queued again in this run after one that made nothing known (bounded)
    poll_failures: int = 0  # polls in a row that failed (bounded)
    concluding: str | None = None  # the provider forgot its tasks (its words): one look by tag, then it fails
    looks: int = 0  # polls sent for it in this run
    look_sent: float = 0.0  # monotonic time its latest look was handed to a worker
    seen_running: float = 0.0  # monotonic time of the latest look that found it unfinished (its render was not done)
    rename: bool = False  # the name changed while the job was in flight
    consent_asked: bool = False  # a digital twin's consent URL was shown in this run
    alone: bool = False  # its batch was refused without naming the package at fault: it is sent on its own
    preview: dict[str, str] = field(default_factory=dict)  # video id -> fresh signed URL (memory only)
    tally: collections.Counter[Phase] | None = field(default=None, repr=False)  # the graph's runs per phase
    _phase: Phase = field(init=False, repr=False)

    def __post_init__(self, initial: Phase) -> None:
        self._phase = initial

    @property
    def phase(self) -> Phase:
        """Where the job stands in this run."""
        return self._phase

    @phase.setter
    def phase(self, phase: Phase) -> None:
        if self.tally is not None:  # kept as it changes, so progress never counts every job
            self.tally[self._phase] -= 1
            self.tally[phase] += 1
        self._phase = phase

    @property
    def lost_again(self) -> str:
        """How a lost create that nothing was found of is made again, for progress."""
        return (
            "created again (its error answer made nothing: not an attempt)" if self.lost_answered else "a new attempt"
        )

    @property
    def kind(self) -> str:
        """The job's kind."""
        return str(self.job.kind)

    @property
    def key(self) -> str:
        """The job's key."""
        return self.job.key

    @property
    def request(self) -> Request:
        """The typed provider request, built once when the campaign was expanded."""
        return self.job.payload


def job_of_record(key: str, record: JobRecord) -> Job:
    """The job a lockfile record stands for, as far as polling it needs (no plan at hand)."""
    return Job(
        key,
        cast(JobKind, record.kind),  # any registered kind's name
        record.provider,
        from_canonical(record.kind, record.request or {}),
        record.addresses,
        name=record.name,
        depends_on=record.depends_on,
    )


class RunGraph:
    """Every run by key, the plan's jobs, and the runs waiting on each job (counted, so a release is O(1))."""

    def __init__(self) -> None:
        self.runs: dict[str, JobRun] = {}
        self.tally: collections.Counter[Phase] = collections.Counter()  # runs per phase
        self.jobs: dict[str, Job] = {}  # every job of the plan, run or not (a forgotten upload is run again)
        self._dependents: dict[str, list[JobRun]] = {}

    def add(self, run: JobRun) -> JobRun:
        """Track a run."""
        known = self.runs.get(run.key)
        if known is not None and known is not run and known.tally is not None:
            self.tally[known.phase] -= 1
            known.tally = None
        if run.tally is None:
            run.tally = self.tally
            self.tally[run.phase] += 1
        self.runs[run.key] = run
        return run

    def count(self, *phases: Phase) -> int:
        """How many runs are in any of these phases."""
        return sum(self.tally[phase] for phase in phases)

    def run_for(self, key: str) -> JobRun:
        """The run of a job, made on demand for a plan job this run did not list (e.g. a forgotten upload)."""
        run = self.runs.get(key)
        if run is None:
            run = self.add(JobRun(self.jobs[key], Phase.WAITING, priority=0))
        return run

    def wait_for(self, run: JobRun, key: str) -> None:
        """`run` starts only once job `key` succeeded."""
        run.unmet += 1
        self._dependents.setdefault(key, []).append(run)

    def dependents(self, key: str) -> list[JobRun]:
        """The runs waiting on job `key`."""
        return self._dependents.get(key, [])

    def downstream(self, key: str) -> Iterator[JobRun]:
        """Every run not yet started that depends, directly or not, on job `key`; the caller moves each out of
        waiting or ready as it goes (the walk stops at runs already under way)."""
        stack = list(self.dependents(key))
        while stack:
            run = stack.pop()
            if run.phase in (Phase.WAITING, Phase.READY):
                yield run
                stack.extend(self.dependents(run.key))
