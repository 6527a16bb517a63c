"""What a plan costs: videos generated (quota), API calls, and an ETA from the documented limits."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from runner import api_facts as facts
from runner.plan.model import Action, Change, Estimate
from runner.vocabulary import kinds
from runner.vocabulary.kinds import Costs
from runner.vocabulary.providers import provider

POLL_ROUNDS = 2  # one poll near the expected finish, one more on average


def _paid(change: Change) -> bool:
    return change.action in (Action.CREATE, Action.REPLACE) and change.resume not in ("submitted", "pending")


@dataclass
class _Tally:
    """One kind's share of a plan: jobs created, creates sent, task ids to poll, the longest script."""

    jobs: int = 0
    creates: int = 0
    tasks: int = 0
    longest_script: int = 0


def estimate(changes: Sequence[Change]) -> Estimate:
    """Estimate videos, API calls and seconds from each kind's costs; see docs/plan-format.md for the formula."""
    videos = renames = 0
    tallies: dict[str, _Tally] = {}
    for change in changes:
        job = change.job
        if change.action is Action.RENAME:
            renames += 1
        if job is None or change.action not in (Action.CREATE, Action.REPLACE):
            continue
        spec, paid = kinds.kind(job.kind), _paid(change)
        if paid and not spec.free:  # an upload generates nothing
            videos += job.expected_videos
        tally = tallies.setdefault(job.kind, _Tally())
        tally.jobs += 1
        tally.creates += int(paid or spec.costs.resumed_creates)
        tally.tasks += job.expected_videos if spec.costs.task_per_video else 1
        tally.longest_script = max(tally.longest_script, len(str(job.request.get("script", ""))))
    calls = renames + sum(_calls(kinds.kind(name).costs, tally) for name, tally in tallies.items())
    eta = _eta(calls / facts.TIKTOK_APP_QPS, tallies)
    return Estimate(videos=videos, api_calls=calls, eta_seconds=round(eta, 1) if calls else 0.0)


def _calls(costs: Costs, tally: _Tally) -> int:
    """Creates in batches, POLL_ROUNDS rounds of status requests in batches, and each job's further requests."""
    polls = POLL_ROUNDS * math.ceil(tally.tasks / costs.poll_batch) if costs.poll_batch else 0
    return math.ceil(tally.creates / costs.create_batch) + polls + costs.per_job * tally.jobs


def _eta(seconds: float, tallies: Mapping[str, _Tally]) -> float:
    """`seconds` plus the first made kind's render time (registration order) plus each paced kind's waits."""
    made = [(spec, tallies[spec.name]) for spec in kinds.kinds() if spec.name in tallies]
    rendering = [
        (spec, tally)
        for spec, tally in made
        if not spec.costs.creates_per_minute and (spec.costs.processing_by_script or spec.costs.processing_seconds)
    ]
    if rendering:
        spec, tally = rendering[0]
        if spec.costs.processing_by_script:
            seconds += facts.avatar_processing_bound(tally.longest_script)
        else:  # renders go in waves within the provider's default in-flight cap, each the documented bound
            cap = provider(spec.provider).max_in_flight or tally.jobs
            seconds += math.ceil(tally.jobs / cap) * spec.costs.processing_seconds
    for spec, tally in made:
        costs = spec.costs
        if costs.creates_per_minute and tally.creates:
            # the paced endpoint is the bottleneck: a minute per `creates_per_minute` after the first
            seconds += (tally.creates - 1) // costs.creates_per_minute * 60.0 + costs.processing_seconds
    return seconds
