"""A refresh whose create reply was lost: paid again only with consent, or within the spec's `apply.retry_unknown`."""

from __future__ import annotations

import random
from pathlib import Path

from click.testing import CliRunner

from runner.cli import cli
from runner.execute.engine import ApplyResult
from runner.lock import lockfile
from tests.execute.fault_tiktok import Faults, FaultyTikTok
from tests.execute.test_engine_faults import apply_once, campaign
from tests.fake_clock import FakeClock

REFRESH_CREATE = "/creative/aigc/refresh_video/task/create/"


def refresh_record(spec: Path) -> object:
    """The campaign's one refresh record."""
    jobs = lockfile.read(spec.with_name("faults.lock.yaml"), "faults").jobs
    return next(r for r in jobs.values() if r.kind == "refresh_video")


def test_without_retry_unknown_a_lost_refresh_waits_and_the_plan_asks(tmp_path: Path) -> None:
    clock = FakeClock()
    account = FaultyTikTok(clock, Faults(), random.Random(0), lose_once=[REFRESH_CREATE])
    spec = campaign(tmp_path, retries=1)
    result = apply_once(spec, account, clock)
    assert isinstance(result, ApplyResult) and len(result.waiting) == 1  # the safe default: a person decides
    assert refresh_record(spec).state == "pending" and sum(v for k, v in account.paid.items() if "refresh" in k) == 1
    plan = CliRunner().invoke(cli, ["plan", str(spec)])
    assert "apply asks on a terminal, or needs --retry-unknown" in plan.stdout, plan.stdout


def test_retry_unknown_in_the_spec_re_creates_a_lost_refresh_without_a_person(tmp_path: Path) -> None:
    clock = FakeClock()
    account = FaultyTikTok(clock, Faults(), random.Random(0), lose_once=[REFRESH_CREATE])
    spec = campaign(tmp_path, retries=1, unknown=1)
    result = apply_once(spec, account, clock)
    assert isinstance(result, ApplyResult) and not result.waiting and not result.failed, result
    record = refresh_record(spec)
    assert record.state == "succeeded" and record.attempts == 2  # the re-create is an attempt of its own
    assert sum(v for k, v in account.paid.items() if "refresh" in k) == 2  # paid again, as the team chose


def test_a_pending_refresh_is_shown_as_a_possible_extra_cost_then_made_within_the_allowance(tmp_path: Path) -> None:
    clock = FakeClock()
    account = FaultyTikTok(clock, Faults(), random.Random(0), lose_once=[REFRESH_CREATE])
    spec = campaign(tmp_path, retries=1)
    apply_once(spec, account, clock)  # the lost reply leaves it pending
    spec.write_text(spec.read_text().replace("max_retries: 1}", "max_retries: 1, retry_unknown: 1}"))
    assert CliRunner().invoke(cli, ["validate", str(spec)]).exit_code == 0
    plan = CliRunner().invoke(cli, ["plan", str(spec)])
    assert "apply.retry_unknown (1) lets apply create it again without asking: a possible extra cost of 1 video" in (
        plan.stdout
    ), plan.stdout
    result = apply_once(spec, account, clock)
    assert isinstance(result, ApplyResult) and not result.waiting and refresh_record(spec).state == "succeeded"
    spec.write_text(spec.read_text().replace("retry_unknown: 1", "retry_unknown: -1"))
    refused = CliRunner().invoke(cli, ["validate", str(spec)])
    assert refused.exit_code == 1 and "retry_unknown" in refused.output, refused.output
