"""Fatigue rotation: a refresh group with `every:` makes one new variation per period per source."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from runner.campaignfile.lifecycle import period_start
from runner.campaignfile.model import Spec

_PERIOD = re.compile(r"^refresh\.([^.\[]+)\[.*\bperiod=([0-9]{4}-[0-9]{2}-[0-9]{2})\]$")


def recorded_periods(addresses: Iterable[str]) -> dict[str, set[str]]:
    """Refresh group id -> the periods the lockfile already holds variations of (kept, never forgotten)."""
    found: dict[str, set[str]] = {}
    for address in addresses:
        match = _PERIOD.match(address)
        if match:
            found.setdefault(match.group(1), set()).add(match.group(2))
    return found


def group_periods(spec: Spec, now: float, recorded: Mapping[str, set[str]]) -> dict[str, tuple[str, ...]]:
    """Rotating group id -> its periods to expand: every recorded one and the one holding `now`."""
    periods: dict[str, tuple[str, ...]] = {}
    for group in spec.refresh:
        life = spec.lifecycle.get(group.id)
        if life is not None and life.every is not None:
            periods[group.id] = tuple(sorted({*recorded.get(group.id, set()), period_start(now, life.every)}))
    return periods


def with_period(address: str, period: str | None) -> str:
    """The address of a rotation's variation: its period as the last selector (`refresh.g[period=2026-11-26]`)."""
    if period is None:
        return address
    if address.endswith("]"):
        return f"{address[:-1]},period={period}]"
    return f"{address}[period={period}]"


def split_period(label: str) -> tuple[str, str | None]:
    """A cell label without its rotation period, and the period (`a=1,period=2026-12-03` -> `a=1`, the date)."""
    head, _, tail = label.rpartition("period=")
    if not tail or (head and not head.endswith(",")) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", tail):
        return label, None
    return head.rstrip(","), tail
