"""The engine ends under any mix of faults, and never pays twice for one attempt.

The real TikTok client and engine run against a small account behind an httpx transport (tests/execute/fault_tiktok.py)
that loses replies after making the video, fails renders, answers busy codes and 429s, and refuses connections, all
drawn from a seed. Every apply must end within a bound of requests, and the provider's paid creates of a job never
outnumber the attempts its lockfile records, nor `apply.max_retries + 1`.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from runner.execute.engine import ApplyResult, EngineStopped, ExecuteOptions, Providers, execute
from runner.lock import lockfile
from runner.plan.make import make_plan
from runner.providers.budget import TransientBudget, TransientLimits
from runner.providers.retry import RetryPolicy
from tests.execute.fault_tiktok import Faults, FaultyTikTok
from tests.fake_clock import FakeClock

SPEC = """version: 1
campaign: faults
apply: {max_retries: RETRIES UNKNOWN}
avatars: {a: {id: "1"}, b: {id: "2"}, c: {id: "3"}}
scripts: {s1: {text: "One."}, s2: {text: "Two."}}
videos:
  - id: g
    avatars: [a, b, c]
    scripts: [s1, s2]
    name: "{{ avatar }}-{{ script }}"
refresh:
  - id: r
    source: {from: g, where: {avatar: a, script: s1}}
    strategies: [SWAP_MUSIC]
"""
ATTEMPTS = 12  # the run's transient budget (failures in a row), also each job's in-run bound
REQUESTS_PER_APPLY = 2_500  # the bound: 8 jobs x (creates within the budget, 8 tries each) + polls and look-ups
APPLIES = 8  # a CI loop running apply again and again


def apply_once(spec: Path, account: FaultyTikTok, clock: FakeClock) -> ApplyResult | EngineStopped:
    """Plan from the lockfile and run the engine with the spec's `apply:` settings, as `campaign apply` does."""
    planned = make_plan(spec)
    budget = TransientBudget(clock, TransientLimits(attempts=ATTEMPTS))
    client = account.client(budget=budget, retry=RetryPolicy(rng=random.Random(1)))
    settings = planned.spec.apply
    options = ExecuteOptions(
        downloads=False,
        transient_attempts=ATTEMPTS,
        stop_grace_seconds=0.2,
        parallelism=4,
        max_retries=settings.max_retries,
        unknown_allowance=settings.retry_unknown,
    )
    try:
        return execute(
            planned.plan, planned.lock, planned.lock_path, Providers({"tiktok": client}, budget), options, clock=clock
        )
    except EngineStopped as stopped:
        return stopped
    finally:
        client.close()


def campaign(tmp_path: Path, retries: int, unknown: int = 0) -> Path:
    """The campaign file: 6 avatar videos, one refreshed; `apply.max_retries` and `apply.retry_unknown` as given."""
    spec = tmp_path / "faults.yaml"
    unknown_setting = f", retry_unknown: {unknown}" if unknown else ""  # only when set: the default is to ask
    spec.write_text(SPEC.replace("RETRIES", str(retries)).replace(" UNKNOWN", unknown_setting))
    return spec


def paid_within_attempts(spec: Path, account: FaultyTikTok, retries: int) -> None:
    """No job was paid for more often than its recorded attempts, nor beyond max_retries + 1."""
    jobs = lockfile.read(spec.with_name("faults.lock.yaml"), "faults").jobs
    for key, paid in account.paid.items():
        if key.startswith("refresh:"):
            assert paid <= retries + 1, (key, paid)
            continue
        record = jobs.get(key)
        assert record is not None, f"{key} was paid for and is not in the lockfile"
        assert paid <= record.attempts <= retries + 1, (key, paid, record)


def test_a_lost_reply_and_a_failed_render_end_within_max_retries(tmp_path: Path) -> None:
    clock = FakeClock()
    account = FaultyTikTok(clock, Faults(lost=1.0, failed_render=1.0), random.Random(0))
    spec = campaign(tmp_path, retries=1)
    result = apply_once(spec, account, clock)
    assert isinstance(result, ApplyResult) and account.requests < REQUESTS_PER_APPLY
    jobs = lockfile.read(spec.with_name("faults.lock.yaml"), "faults").jobs
    avatar = [r for r in jobs.values() if r.kind == "avatar_video"]
    assert len(avatar) == 6 and all(r.state == "failed" and r.attempts == 2 for r in avatar), avatar
    assert all(r.error is not None and r.error.code == "CREATE_LOST" for r in avatar)
    assert set(account.paid.values()) == {2}  # one create per attempt: the first, then one retry
    before = account.requests
    assert isinstance(apply_once(spec, account, clock), ApplyResult)
    assert sum(account.paid.values()) == 12  # failed for good: a later apply pays nothing more
    assert account.requests == before


def test_tasks_that_never_finish_are_left_for_the_next_apply(tmp_path: Path) -> None:
    clock = FakeClock()
    account = FaultyTikTok(clock, Faults(stuck=1.0), random.Random(0))
    spec = campaign(tmp_path, retries=1)
    result = apply_once(spec, account, clock)
    assert isinstance(result, ApplyResult) and len(result.unfinished) == 8, result  # 6 videos, their upload, refresh
    assert account.requests < 300 and sum(account.paid.values()) == 6
    jobs = lockfile.read(spec.with_name("faults.lock.yaml"), "faults").jobs
    assert sorted(r.state for r in jobs.values()) == ["submitted"] * 6  # polled again by the next apply, never re-paid


@pytest.mark.parametrize("seed", range(24))
def test_random_faults_end_within_a_bound_and_never_pay_twice_for_one_attempt(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    faults = Faults(
        lost=rng.choice([0.0, 0.3, 0.7, 1.0]),
        failed_render=rng.choice([0.0, 0.3, 1.0]),
        transient=rng.choice([0.0, 0.2, 0.5]),
        rate_limited=rng.choice([0.0, 0.2]),
        refused_connection=rng.choice([0.0, 0.1, 0.3]),
        stuck=rng.choice([0.0, 0.0, 0.2]),
    )
    retries = rng.choice([0, 1, 2])
    clock = FakeClock()
    account = FaultyTikTok(clock, faults, random.Random(seed))
    spec = campaign(tmp_path, retries, unknown=rng.choice([0, 1, 3]))
    for _ in range(APPLIES):
        before = account.requests
        apply_once(spec, account, clock)
        assert account.requests - before <= REQUESTS_PER_APPLY, (faults, account.requests - before)
        paid_within_attempts(spec, account, retries)
        clock.advance(60.0)
