"""Quota guardrails: what a plan generates against `budget:` limits, in videos, seconds and (if priced) money."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from runner.campaignfile.model import BudgetSettings, Spec
from runner.errors import CampaignError
from runner.lock.records import Lockfile, paid_videos
from runner.plan.model import Action, Change, JobGraph
from runner.vocabulary import kinds
from runner.wording import plural

WORDS_PER_SECOND = 2.5  # 150 words a minute, a plausible speaking rate
CHARS_PER_SECOND = 15.0  # for scripts without spaces between words (CJK)


class OverBudget(CampaignError):
    """A plan would generate more videos than a budget limit allows."""


def speaking_seconds(script: str) -> float:
    """Seconds a script takes to say at a plausible rate."""
    return round(max(len(script.split()) / WORDS_PER_SECOND, len(script) / CHARS_PER_SECOND), 1)


def paid(change: Change) -> bool:
    """True when applying the change generates (and pays for) new videos."""
    return (
        change.job is not None
        and change.action in (Action.CREATE, Action.REPLACE)
        and change.resume not in ("submitted", "pending")
        and not kinds.kind(change.job.kind).free
    )


def recorded_videos(lock: Lockfile) -> int:
    """Videos the campaign ever paid for: those its records hold or superseded, and those replaced or forgotten."""
    return sum(paid_videos(record) for record in lock.jobs.values()) + lock.retired_videos


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit and where it was set (`budget.max_new_videos` at file:line, or `--max-videos`)."""

    name: str
    value: float  # videos, or money for max_spend
    origin: str


def budget_data(changes: Iterable[Change], lock: Lockfile, spec: Spec, max_new_override: int | None) -> dict[str, Any]:
    """The plan's budget section: new videos and seconds, lifetime total, limits, money where priced."""
    paying = [c.job for c in changes if paid(c) and c.job is not None]  # asked once per change, not once per sum
    settings: BudgetSettings = spec.budget
    new_videos = sum(job.expected_videos for job in paying)
    seconds = sum(speaking_seconds(str(job.request.get("script", ""))) for job in paying if "script" in job.request)
    existing = recorded_videos(lock)
    data: dict[str, Any] = {
        "new_videos": new_videos,
        "new_script_seconds": round(seconds, 1),
        "recorded_videos": existing,
        **({"retired_videos": lock.retired_videos} if lock.retired_videos else {}),
        "lifetime_videos": existing + new_videos,
        "warn_at": settings.warn_at,
        "limits": [],
    }
    prices = settings.prices
    amount = None
    if prices is not None:
        amount = round((prices.per_video or 0.0) * new_videos + (prices.per_second or 0.0) * seconds, 2)
        data["cost"] = {"amount": amount, "currency": prices.currency}
    for limit, used in _limits(spec, max_new_override, new_videos, existing + new_videos, amount):
        data["limits"].append(
            {
                "name": limit.name,
                "value": limit.value,
                "origin": limit.origin,
                "used": used,
                "over": used > limit.value,
                "near": used <= limit.value and used >= settings.warn_at * limit.value,
            }
        )
    return data


def _limits(
    spec: Spec, override: int | None, new: int, lifetime: int, amount: float | None
) -> list[tuple[Limit, float]]:
    out: list[tuple[Limit, float]] = []
    if override is not None:
        out.append((Limit("max_new_videos", override, "--max-videos"), new))
    elif spec.budget.max_new_videos is not None:
        out.append((Limit("max_new_videos", spec.budget.max_new_videos, _where(spec, "budget.max_new_videos")), new))
    if spec.budget.max_videos is not None:
        out.append((Limit("max_videos", spec.budget.max_videos, _where(spec, "budget.max_videos")), lifetime))
    if spec.budget.max_spend is not None and amount is not None:
        out.append((Limit("max_spend", spec.budget.max_spend, _where(spec, "budget.max_spend")), amount))
    return out


def _where(spec: Spec, path: str) -> str:
    line, _ = spec.locations.at(path)
    return f"{path} ({spec.path}:{line})"


def implied_videos(graph: JobGraph) -> int:
    """Videos the whole campaign generates (a RECOMMENDED hook counts 4; uploads generate none)."""
    return sum(job.expected_videos for job in graph.jobs.values() if not kinds.kind(job.kind).free)


def budget_problems(spec: Spec, videos: int) -> list[str]:
    """A campaign that implies more videos than its lifetime budget allows, located at the limit."""
    limit = spec.budget.max_videos
    if limit is None or videos <= limit:
        return []
    line, column = spec.locations.at("budget.max_videos")
    return [
        f"{spec.path}:{line}:{column}: at budget.max_videos: the campaign implies {videos} videos, more than "
        f"max_videos = {limit}; shrink the matrix or raise the limit"
    ]


def budget_lines(budget: Mapping[str, Any]) -> list[str]:
    """Human lines for the budget section: quota delta, lifetime total, money, limits."""
    if not budget:
        return []
    new, lifetime = budget["new_videos"], budget["lifetime_videos"]
    line = (
        f"Quota: +{plural(new, 'video')} ({budget['new_script_seconds']:g} s of script); "
        f"lifetime {lifetime} (recorded {budget['recorded_videos']}"
        + (f", {budget['retired_videos']} of them replaced or forgotten" if budget.get("retired_videos") else "")
        + ")"
    )
    cost = budget.get("cost")
    if cost:
        line += f"; estimated cost {cost['amount']:,.2f} {cost['currency']}"
    lines = [line + "."]
    for limit in budget["limits"]:
        state = "OVER BUDGET" if limit["over"] else ("near the limit" if limit["near"] else "ok")
        lines.append(f"  {limit['name']}: {limit['used']} of {limit['value']} ({state}; {limit['origin']})")
    return lines


def budget_warnings(budget: Mapping[str, Any]) -> list[str]:
    """Warnings for limits reached past `warn_at` but not passed."""
    return [
        f"this plan reaches {limit['used']} of {limit['name']} {limit['value']} ({limit['origin']}), "
        f"past warn_at {budget['warn_at']:g}"
        for limit in budget.get("limits", [])
        if limit["near"]
    ]


def check_budget(budget: Mapping[str, Any]) -> None:
    """Raise OverBudget naming the first limit the plan passes."""
    for limit in budget.get("limits", []):
        if limit["over"]:
            what = {
                "max_new_videos": "new videos in this apply",
                "max_spend": f"{budget.get('cost', {}).get('currency', '')} of spend in this apply",
            }.get(limit["name"], "videos over the campaign's life")
            raise OverBudget(
                f"over budget: {limit['used']} {what}, more than {limit['name']} = {limit['value']} set by {limit['origin']}; "
                "apply sends nothing over budget. Narrow the plan with --target or --sample, or raise the limit"
            )
