"""Records an older release keyed differently for the same job, moved to today's key at no cost."""

from __future__ import annotations

from dataclasses import replace

from runner.lock.records import Lockfile
from runner.plan.model import JobGraph


def former_records(graph: JobGraph, lock: Lockfile) -> dict[str, str]:
    """Former key -> today's key, for each job with no record of its own and a record under one of its former keys.

    Older releases sent a script with the blank lines that tags leave around it and keyed the job by that
    text: the video they made is this job's, so it is matched, never paid for again.
    """
    moves: dict[str, str] = {}
    for key in graph.order:
        job = graph.jobs[key]
        if key in lock.jobs:
            continue
        for old in job.former_keys:
            record = lock.jobs.get(old)
            if record is not None and record.kind == job.kind and old not in graph.jobs and old not in moves:
                moves[old] = key
                break
    return moves


def rekeyed(graph: JobGraph, lock: Lockfile) -> Lockfile:
    """The lockfile with every former record under its job's key (and references to it renamed); else `lock` itself."""
    moves = former_records(graph, lock)
    if not moves:
        return lock
    jobs = {}
    for key, record in lock.jobs.items():
        new = moves.get(key)
        if new is not None:
            record = replace(record, request=dict(graph.jobs[new].request))
        jobs[new or key] = replace(record, depends_on=tuple(moves.get(d, d) for d in record.depends_on))
    return replace(lock, jobs=jobs)
