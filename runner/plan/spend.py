"""The spend ledger: per job and per provider, what was paid for, failed, re-made and adopted, and the money."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from runner.campaignfile.model import Prices
from runner.lock.records import JobRecord, Lockfile
from runner.plan.budget import speaking_seconds
from runner.vocabulary import kinds
from runner.vocabulary.providers import provider


@dataclass(frozen=True, slots=True)
class SpendRow:
    """One job's line of the ledger."""

    key: str
    address: str
    kind: str
    provider: str
    state: str
    creates: int  # paid creates sent (or adopted: made by a create whose reply was lost)
    failed: int  # renders that ran and failed
    remade: int  # renders made again after a video failed its post-render check
    adopted: int  # creates found by their tag instead of paying again
    charged: int  # renders the provider charges for (failed ones left out where it says it does not charge them)
    money: float | None  # charged renders at `budget.prices`, when set


def charged_renders(record: JobRecord) -> int:
    """Renders of this job the provider charges for: every create, less failed ones where it does not charge them."""
    spend = record.spend or {}
    creates = record.attempts or spend.get("adopted", 0)
    free_failures = spend.get("failed", 0) if provider(record.provider).charges_failed_renders is False else 0
    return max(0, creates - free_failures)


def ledger_rows(lock: Lockfile, prices: Prices | None) -> list[SpendRow]:
    """A row for every paid job the state records, by key."""
    rows = []
    for key in sorted(lock.jobs):
        record = lock.jobs[key]
        if kinds.kind(record.kind).free:
            continue
        spend = record.spend or {}
        charged = charged_renders(record)
        rows.append(
            SpendRow(
                key=key,
                address=record.addresses[0] if record.addresses else "",
                kind=record.kind,
                provider=record.provider,
                state=record.state,
                creates=record.attempts or spend.get("adopted", 0),
                failed=spend.get("failed", 0),
                remade=spend.get("remade", 0),
                adopted=spend.get("adopted", 0),
                charged=charged,
                money=_money(record, charged, prices),
            )
        )
    return rows


def _money(record: JobRecord, charged: int, prices: Prices | None) -> float | None:
    if prices is None:
        return None
    script = str((record.request or {}).get("script", ""))
    videos = len(record.video_ids) or 1  # a RECOMMENDED hook's create makes several videos
    per_render = (prices.per_video or 0.0) * videos + (prices.per_second or 0.0) * speaking_seconds(script)
    return round(charged * per_render, 2)


def by_provider(rows: list[SpendRow]) -> dict[str, dict[str, Any]]:
    """Each provider's totals, and whether it charges for failed renders (True, False, or None: not documented)."""
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        total = totals.setdefault(
            row.provider,
            {
                "creates": 0,
                "failed": 0,
                "remade": 0,
                "adopted": 0,
                "charged": 0,
                "money": None,
                "charges_failed_renders": provider(row.provider).charges_failed_renders,
            },
        )
        for name in ("creates", "failed", "remade", "adopted", "charged"):
            total[name] += getattr(row, name)
        if row.money is not None:
            total["money"] = round((total["money"] or 0.0) + row.money, 2)
    return dict(sorted(totals.items()))


def ledger_data(
    campaign: str, lock_path: str, rows: list[SpendRow], prices: Prices | None, budget: Mapping[str, Any]
) -> dict[str, Any]:
    """The `campaign spend --format json` document: jobs, providers, and the plan's estimate beside the record."""
    return {
        "format_version": "1.0",
        "campaign": campaign,
        "lockfile": lock_path,
        "currency": prices.currency if prices is not None else None,
        "jobs": [asdict(row) for row in rows],
        "providers": by_provider(rows),
        "recorded": {"charged_renders": sum(r.charged for r in rows), "money": _total(rows)},
        "plan": {"new_videos": budget.get("new_videos", 0), "cost": (budget.get("cost") or {}).get("amount")},
    }


def _total(rows: list[SpendRow]) -> float | None:
    priced = [r.money for r in rows if r.money is not None]
    return round(sum(priced), 2) if priced else None
