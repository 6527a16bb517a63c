from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.campaignfile.load import load_spec
from runner.errors import SpecError
from runner.lock.records import JobRecord, Lockfile
from runner.plan.make import plan_for
from runner.plan.model import Action
from runner.plan.rotation import recorded_periods, split_period, with_period
from runner.plan.select import places
from runner.vocabulary.kinds import JobKind

SPEC = """version: 1
campaign: t
avatars:
  a: {id: "1"}
scripts:
  s: {text: "Hello {{ product }}."}
videos:
  - id: g
    avatars: [a]
    scripts: [s]
    matrix: {product: [Boot, Shoe]}
refresh:
  - id: fresh
    source: {from: g}
    strategies: [SWAP_MUSIC]
    every: EVERY
"""
DAY = 86400.0
NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC).timestamp()


def _succeeded(lock: Lockfile, plan_changes: tuple[object, ...]) -> Lockfile:
    """The lockfile after an apply that made every created job."""
    for change in plan_changes:
        job = change.job  # type: ignore[attr-defined]
        if change.action == Action.CREATE:  # type: ignore[attr-defined]
            record = JobRecord(
                job.kind, job.provider, "succeeded", job.addresses, name=job.name, video_ids=("v-" + job.key,)
            )  # type: ignore[arg-type]
            lock = lock.with_job(job.key, record)
    return lock


def _refreshes(changes: tuple[object, ...], action: Action) -> list[str]:
    return sorted(
        c.job.addresses[0]  # type: ignore[attr-defined]
        for c in changes
        if c.action == action and c.job is not None and c.job.kind == JobKind.REFRESH_VIDEO  # type: ignore[attr-defined]
    )


def test_every_7d_makes_one_new_variation_per_source_per_period(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(write_spec(SPEC.replace("EVERY", "7d")))
    first = plan_for(spec, Lockfile(campaign="t"), Path("x.lock.yaml"), now=NOW)
    made = _refreshes(first.plan.changes, Action.CREATE)
    assert made == [
        "refresh.fresh[avatar=a,script=s,product=Boot,period=2026-12-03]",
        "refresh.fresh[avatar=a,script=s,product=Shoe,period=2026-12-03]",
    ]
    lock = _succeeded(Lockfile(campaign="t"), first.plan.changes)
    same_period = plan_for(spec, lock, Path("x.lock.yaml"), now=NOW + 6 * DAY)
    assert not same_period.plan.has_changes  # a re-run within the period does nothing
    next_period = plan_for(spec, lock, Path("x.lock.yaml"), now=NOW + 7 * DAY)
    assert _refreshes(next_period.plan.changes, Action.CREATE) == [
        "refresh.fresh[avatar=a,script=s,product=Boot,period=2026-12-10]",
        "refresh.fresh[avatar=a,script=s,product=Shoe,period=2026-12-10]",
    ]
    assert _refreshes(next_period.plan.changes, Action.NOOP) == made  # the last period's variations are kept
    assert not [c for c in next_period.plan.changes if c.action == Action.FORGET]


def test_a_group_without_every_keeps_its_keys(write_spec: Callable[[str], Path]) -> None:
    rotating = load_spec(write_spec(SPEC.replace("EVERY", "7d")))
    plain = load_spec(write_spec(SPEC.replace("    every: EVERY\n", ""), "plain.yaml"))
    keys = {c.key for c in plan_for(plain, Lockfile(campaign="t"), Path("x"), now=NOW).plan.changes}
    later = {c.key for c in plan_for(plain, Lockfile(campaign="t"), Path("x"), now=NOW + 30 * DAY).plan.changes}
    rotated = {c.key for c in plan_for(rotating, Lockfile(campaign="t"), Path("x"), now=NOW).plan.changes}
    assert keys == later
    assert len(rotated - keys) == 2  # only the refreshes differ: their period is hashed


def test_a_wrong_every_names_the_line_and_the_forms(write_spec: Callable[[str], Path]) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(SPEC.replace("EVERY", "fortnight")))
    assert ":16:" in str(caught.value) and "whole number of hours, days or weeks" in str(caught.value)


def test_recorded_periods_and_addresses() -> None:
    assert with_period("refresh.r", "2026-01-01") == "refresh.r[period=2026-01-01]"
    assert recorded_periods(["refresh.r[period=2026-01-01]", "videos.g[avatar=a]"]) == {"r": {"2026-01-01"}}


def test_a_rotating_refresh_is_placed_for_selectors_with_its_period(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(write_spec(SPEC.replace("EVERY", "7d")))
    planned = plan_for(spec, Lockfile(campaign="t"), Path("x"), now=NOW)
    found = places(spec, [a for c in planned.plan.changes if c.job for a in c.job.addresses])
    rotated = [p for a, p in found.items() if "period=" in a]
    assert len(rotated) == 2 and all(p.group == "fresh" and p.cell["period"] == "2026-12-03" for p in rotated)
    assert split_period("a=1,period=2026-12-03") == ("a=1", "2026-12-03")
    assert split_period("a=period=1") == ("a=period=1", None)
