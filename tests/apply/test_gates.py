"""Gates before money, against the sandbox: approvals bound to content, rollout waves with a breaker, a spend cap."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from runner.lock import lockfile


def _campaign(kit: Any, *extra: str) -> str:
    return kit.campaign_text("gated", 2, 2) + "".join(line + "\n" for line in extra)


def _cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "runner", *map(str, args)]


def test_apply_makes_only_approved_jobs_and_a_script_edit_asks_again(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(_campaign(kit, "approval: {required: true, roles: [legal]}"))
    waiting = kit.run(kit.apply_command(spec), sb.env())
    assert waiting.returncode == 4, waiting.stderr
    assert "4 jobs of promo await approval (legal)" in waiting.stderr
    assert f"campaign approve {spec} --target promo --as NAME --role legal" in waiting.stderr
    assert sb.stats()["avatar_videos_created"] == 0

    signed = kit.run(
        _cli("approve", spec, "--target", "promo[script=s0]", "--as", "alice", "--role", "legal"), sb.env()
    )
    assert signed.returncode == 0, signed.stderr
    assert "Approved 2 jobs as alice (legal)" in signed.stdout
    part = kit.run(kit.apply_command(spec), sb.env())
    assert part.returncode == 4, part.stderr
    assert sb.stats()["avatar_videos_created"] == 2
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "gated")
    assert sorted(a for r in lock.jobs.values() for a in r.addresses) == [
        "videos.promo[avatar=a0,script=s0]",
        "videos.promo[avatar=a1,script=s0]",
    ]

    kit.run(_cli("approve", spec, "--as", "alice", "--role", "legal"), sb.env())
    done = kit.run(kit.apply_command(spec), sb.env())
    assert done.returncode == 0, done.stderr
    assert sb.stats()["avatar_videos_created"] == 4

    spec.write_text(spec.read_text().replace("Script number 1 for", "Script number one for"))
    plan = kit.run(_cli("plan", spec), sb.env())
    assert plan.stdout.count("awaits approval (legal)") == 2 and "2 await approval." in plan.stdout
    assert plan.stdout.count("approved by") == 0  # the unchanged cells are up to date, not shown
    again = kit.run(kit.apply_command(spec), sb.env())
    assert again.returncode == 4 and sb.stats()["avatar_videos_created"] == 4, again.stderr


def test_a_revoked_approval_makes_a_saved_plan_stale(
    sandbox_factory: Any, write_campaign: Any, kit: Any, tmp_path: Path
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(_campaign(kit, "approval: {required: true}"))
    assert kit.run(_cli("approve", spec, "--as", "alice"), sb.env()).returncode == 0
    saved = tmp_path / "p.json"
    made = kit.run(_cli("plan", spec, "--out", saved), sb.env())
    assert made.returncode == 0 and "approved by alice" in made.stdout, made.stderr
    revoked = kit.run(_cli("approve", spec, "--revoke", "--as", "alice", "--target", "promo[avatar=a1]"), sb.env())
    assert revoked.returncode == 0 and "Revoked 2 approvals by alice" in revoked.stdout, revoked.stderr
    applied = kit.run(_cli("apply", spec, "--plan", saved, "--accept-notices"), sb.env())
    assert applied.returncode == 1
    assert "counted on approvals that were revoked since" in applied.stderr
    assert "videos.promo[avatar=a1,script=s0] (alice)" in applied.stderr
    assert sb.stats()["requests_total"] == 0


def test_the_rollout_breaker_stops_after_a_failing_first_wave(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory(task_failure_rate=1.0)
    spec = write_campaign(kit.campaign_text("waves", 2, 3) + 'rollout: {waves: [2, "100%"], max_failure_rate: 0.5}\n')
    result = kit.run(kit.apply_command(spec), sb.env())
    assert result.returncode == 1, result.stderr
    assert "Rollout wave 1 of 2: 2 paid jobs; 4 left for later waves." in result.stderr
    assert "breaker open" in result.stderr and "(100%, more than rollout.max_failure_rate 50%)" in result.stderr
    assert sb.stats()["avatar_videos_created"] == 2
    again = kit.run(kit.apply_command(spec), sb.env())  # the breaker stays open: fail closed
    assert again.returncode == 1 and "breaker open" in again.stderr
    assert sb.stats()["avatar_videos_created"] == 2


def test_rollout_waves_make_everything_and_pause_between_waves(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("paced", 2, 3) + 'rollout: {waves: [1, "50%"], pause: true}\n')
    sizes = []
    for expected in (4, 4, 0):
        result = kit.run(kit.apply_command(spec), sb.env())
        assert result.returncode == expected, result.stderr
        sizes.append(sb.stats()["avatar_videos_created"])
    assert sizes == [1, 3, 6]


def test_a_spend_cap_below_the_plan_stops_plan_and_apply_before_any_request(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(_campaign(kit, "budget: {max_spend: 3, prices: {per_video: 1.5, currency: EUR}}"))
    plan = kit.run(_cli("plan", spec), sb.env())
    assert plan.returncode == 1 and "max_spend: 6.0 of 3 (OVER BUDGET" in plan.stdout, plan.stdout + plan.stderr
    applied = kit.run(kit.apply_command(spec), sb.env())
    assert applied.returncode == 1 and "over budget: 6.0 EUR of spend in this apply" in applied.stderr
    assert sb.stats()["requests_total"] == 0
