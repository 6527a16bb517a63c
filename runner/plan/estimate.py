"""What a plan costs: videos generated (quota), API calls, and an ETA from the documented limits."""

from __future__ import annotations

import math
from collections.abc import Sequence

from runner import api_facts as facts
from runner.plan.model import Action, Change, Estimate
from runner.vocabulary.kinds import JobKind, kind
from runner.vocabulary.providers import provider

POLL_ROUNDS = 2  # one poll near the expected finish, one more on average


def _paid(change: Change) -> bool:
    return change.action in (Action.CREATE, Action.REPLACE) and change.resume not in ("submitted", "pending")


def estimate(changes: Sequence[Change]) -> Estimate:
    """Estimate videos, API calls and seconds; see docs/plan-format.md for the formula."""
    videos = 0
    avatar_creates = avatar_tasks = uploads = refresh_creates = refresh_tasks = heygen = renames = twins = 0
    longest_script = 0
    for change in changes:
        job = change.job
        if change.action is Action.RENAME:
            renames += 1
        if job is None or change.action not in (Action.CREATE, Action.REPLACE):
            continue
        paid = _paid(change)
        if paid and job.kind != "upload":  # an upload generates nothing
            videos += job.expected_videos
        if job.kind == "avatar_video":
            avatar_creates += int(paid)
            avatar_tasks += 1
            longest_script = max(longest_script, len(str(job.request.get("script", ""))))
        elif job.kind == "upload":
            uploads += 1
        elif job.kind == "refresh_video":
            refresh_creates += int(paid)
            refresh_tasks += job.expected_videos
        elif job.kind == "heygen_video":
            heygen += 1
        elif job.kind == "heygen_avatar":
            twins += 1
    calls = (
        math.ceil(avatar_creates / facts.MAX_PACKAGES_PER_CREATE)
        + POLL_ROUNDS * math.ceil(avatar_tasks / facts.MAX_TASK_IDS_PER_GET)
        + uploads
        + refresh_creates
        + POLL_ROUNDS * math.ceil(refresh_tasks / facts.MAX_TASK_IDS_PER_GET)
        + renames
        + (1 + POLL_ROUNDS) * heygen
        + (2 + POLL_ROUNDS) * twins  # create, consent, then look at the group
    )
    eta = calls / facts.TIKTOK_APP_QPS
    if avatar_tasks:
        eta += facts.avatar_processing_bound(longest_script)
    elif heygen:
        eta += _render_waves(heygen)
    if refresh_creates:
        # 5 per minute after the first: the refresh endpoint is the bottleneck.
        eta += (refresh_creates - 1) // facts.REFRESH_CREATE_QPM * 60.0 + facts.REFRESH_PROCESSING_SECONDS
    return Estimate(videos=videos, api_calls=calls, eta_seconds=round(eta, 1) if calls else 0.0)


def _render_waves(renders: int) -> float:
    """Seconds for HeyGen renders: waves within the provider's default in-flight cap, each the documented bound."""
    spec = kind(JobKind.HEYGEN_VIDEO)
    cap = provider(spec.provider).max_in_flight or renders
    return math.ceil(renders / cap) * (spec.processing_seconds or 0.0)
