"""Apply with selectors and guardrails against one live sandbox: targets, replaces, budgets, in-flight forgets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runner.lock import lockfile
from runner.lock.records import JobRecord


def test_target_then_replace_re_renders_only_what_was_asked(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(cli.spec("guard"))
    env = sandbox.env()
    first = cli.apply(env, spec, "--target", "promo[avatar=a0]")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Partial plan (--target promo[avatar=a0])")
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "guard")
    assert sorted(a for r in lock.jobs.values() for a in r.addresses) == [
        "videos.promo[avatar=a0,script=s0]",
        "videos.promo[avatar=a0,script=s1]",
    ]
    assert all(r.state == "succeeded" and r.request and "script" in r.request for r in lock.jobs.values())
    rest = cli.campaign(env, "plan", str(spec), "--detailed-exitcode")
    assert rest.returncode == 2 and "2 to create" in rest.stdout and "2 unchanged" in rest.stdout

    [(key, old)] = [(k, r) for k, r in lock.jobs.items() if "script=s0" in r.addresses[0]]
    planned = cli.campaign(
        env, "plan", str(spec), "--replace", "promo[avatar=a0,script=s0]", "--exclude", "promo[avatar=a1]"
    )
    assert planned.returncode == 0 and "1 to replace" in planned.stdout and "0 to create" in planned.stdout
    assert (
        f"re-rendered on request (--replace promo[avatar=a0,script=s0]); old video ids: {old.video_ids[0]}"
        in planned.stdout
    )
    again = cli.apply(env, spec, "--replace", "promo[avatar=a0,script=s0]", "--exclude", "promo[avatar=a1]")
    assert again.returncode == 0, again.stderr
    after = lockfile.read(spec.with_name("c.lock.yaml"), "guard").jobs[key]
    assert (
        after.state == "succeeded"
        and after.video_ids
        and after.video_ids != old.video_ids
        and after.attempts == old.attempts + 1
    )
    assert after.replaced == {
        "reason": "--replace promo[avatar=a0,script=s0]",
        "video_ids": list(old.video_ids),
        "task_ids": list(old.task_ids),
    }


def test_over_budget_and_inflight_forgets_stop_apply_before_any_request(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(cli.spec("guard") + "budget: {max_new_videos: 3}\n")
    env = sandbox.env()
    before = sandbox.stats()["requests_total"]
    over = cli.apply(env, spec)
    assert over.returncode == 1 and "more than max_new_videos = 3 set by budget.max_new_videos" in over.stderr
    flagged = cli.apply(env, spec, "--max-videos", "2", "--sample", "3")
    assert flagged.returncode == 1 and "more than max_new_videos = 2 set by --max-videos" in flagged.stderr
    assert sandbox.stats()["requests_total"] == before and not spec.with_name("c.lock.yaml").exists()

    lock = lockfile.read(spec.with_name("c.lock.yaml"), "guard").with_job(
        "av-00000000000000aa",
        JobRecord(
            kind="avatar_video",
            provider="tiktok",
            state="submitted",
            addresses=("videos.gone[avatar=a0,script=s0]",),
            task_ids=("123",),
        ),
    )
    lockfile.write(spec.with_name("c.lock.yaml"), lock)
    plan = cli.campaign(env, "plan", str(spec), "--max-videos", "4")
    assert plan.returncode == 0 and "STILL RENDERING (paid for)" in plan.stdout
    assert "Apply refuses unless --allow-forget-inflight" in plan.stdout
    refused = cli.apply(env, spec, "--max-videos", "4")
    assert (
        refused.returncode == 1
        and "1 job that left the spec is still rendering (paid for): av-00000000000000aa" in refused.stderr
    )
    assert sandbox.stats()["requests_total"] == before
    assert "Traceback" not in refused.stderr + over.stderr + flagged.stderr
    allowed = cli.apply(env, spec, "--max-videos", "4", "--allow-forget-inflight")
    assert allowed.returncode == 0, allowed.stderr
    assert "av-00000000000000aa" not in lockfile.read(spec.with_name("c.lock.yaml"), "guard").jobs


def test_a_saved_partial_plan_applies_its_own_selection(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(cli.spec("guard"))
    env = sandbox.env()
    plan = tmp_path / "p.plan"
    made = cli.campaign(env, "plan", str(spec), "--target", "promo[script=s1]", "--sample", "1", "--out", str(plan))
    assert made.returncode == 0 and "1 to create" in made.stdout
    mixed = cli.campaign(env, "apply", str(spec), "--plan", str(plan), "--target", "promo", "--accept-notices")
    assert mixed.returncode == 1 and "come from the saved plan" in mixed.stderr
    applied = cli.campaign(env, "apply", str(spec), "--plan", str(plan), "--accept-notices")
    assert applied.returncode == 0, applied.stderr
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "guard")
    assert [r.addresses for r in lock.jobs.values()] == [("videos.promo[avatar=a0,script=s1]",)]
