"""A group's life after its first apply: when it expires, when it is stale, how often a refresh rotates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from runner.campaignfile.checker import Checker, present
from runner.campaignfile.model import Lifecycle

_DURATION = re.compile(r"^([1-9][0-9]{0,4})([hdw])$")
_UNIT_SECONDS = {"h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
DURATION_PATTERN = _DURATION.pattern


def duration(text: str) -> float | None:
    """The seconds `36h`, `14d` or `2w` stands for; None when it is none of these."""
    found = _DURATION.match(text.strip())
    return float(found.group(1)) * _UNIT_SECONDS[found.group(2)] if found else None


def _date(checker: Checker, where: str, text: Any) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        checker.problem(where, f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31")
        return None


def _duration(checker: Checker, where: str, text: Any) -> float | None:
    if text is None:
        return None
    seconds = duration(str(text))
    if seconds is None:
        checker.problem(
            where, f"{text!r} is not a duration; write a whole number of hours, days or weeks: 36h, 14d, 2w"
        )
    return seconds


def check_lifecycle(checker: Checker, where: str, group: Mapping[str, Any]) -> Lifecycle:
    """The lifecycle fields of one video or refresh group; a problem for a wrong date or duration."""
    return Lifecycle(
        expires=_date(checker, f"{where}.expires", group.get("expires")),
        refresh_after=_duration(checker, f"{where}.refresh_after", group.get("refresh_after")),
        every=_duration(checker, f"{where}.every", group.get("every")),
    )


def lifecycles(checker: Checker) -> dict[str, Lifecycle]:
    """Group id -> its lifecycle, for the groups that set one."""
    found: dict[str, Lifecycle] = {}
    for section, label in (("videos", "videos"), ("refresh", "refresh")):
        for index, group in present(checker.data.get(section)):
            life = check_lifecycle(checker, f"{label}[{index}]", group)
            if not life.empty:
                found[str(group["id"])] = life
    return found


def period_start(now: float, every: float) -> str:
    """The UTC date on which the rotation period holding `now` began (periods count from the Unix epoch)."""
    start = now - now % every
    return dt.datetime.fromtimestamp(start, dt.UTC).date().isoformat()
