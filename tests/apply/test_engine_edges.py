"""The apply engine at the edges, over real HTTP against the sandbox: each case once broke the promise."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from runner.lock import lockfile, records
from runner.lock.records import JobError
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

REFRESH = "{avatar: a0, script: s0}"


def lock_of(spec: Path, campaign: str) -> records.Lockfile:
    """The lockfile beside a spec, write-ahead journal replayed."""
    return lockfile.read(spec.with_name(spec.stem + ".lock.yaml"), campaign)


def edit_lock(spec: Path, campaign: str, **by_kind: dict[str, Any]) -> None:
    """Rewrite the records of one kind (as an earlier, interrupted or failed run would have left them)."""
    path = spec.with_name(spec.stem + ".lock.yaml")
    lock = lockfile.read(path, campaign)
    for key, record in lock.jobs.items():
        if record.kind in by_kind:
            lock = lock.with_job(key, replace(record, **by_kind[record.kind]))
    lockfile.write(path, lock)


def test_unreachable_provider_costs_no_attempt_and_a_later_apply_makes_everything(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    down = sandbox_factory()
    port, env = down.port, down.env()
    down.stop()  # connection refused: nothing can reach a server
    with socket.socket() as held:  # bound, never listening: no server of a test running in parallel gets the port
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", port))
        spec = write_campaign(kit.campaign_text("down", 1, 2))
        failed = kit.run(kit.apply_command(spec), {**env, "CAMPAIGN_TRANSIENT_ATTEMPTS": "2"}, timeout=120)
        assert failed.returncode == 1, failed.stderr
        assert "could not connect" in failed.stderr and "run again" in failed.stderr
        assert "Traceback" not in failed.stderr
        assert not lock_of(spec, "down").jobs  # no attempt, no failure for good: as if nothing was tried
        plan = kit.run([*kit.apply_command(spec)[:3], "plan", str(spec), "--detailed-exitcode"], env)
        assert plan.returncode == 2  # still work apply can do
    with SandboxServer(SandboxConfig(speed=0.01, seed=1), port=port) as up:
        done = kit.run(kit.apply_command(spec), env)
        assert done.returncode == 0, done.stderr
        assert up.stats()["avatar_videos_created"] == 2


def test_a_source_failed_for_good_blocks_its_chain_and_ci_settles(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory(task_failure_rate=1.0)
    spec = write_campaign(kit.campaign_text("blocked", 1, 1, refresh_from=REFRESH))
    first = kit.run(kit.apply_command(spec), sb.env())
    assert first.returncode == 1 and "blocked" in first.stderr, first.stderr
    second = kit.run(kit.apply_command(spec), sb.env())  # the one retry apply.max_retries allows
    assert second.returncode == 1
    plan = kit.run([*kit.apply_command(spec)[:3], "plan", str(spec), "--detailed-exitcode"], sb.env())
    assert plan.returncode == 1, plan.stdout + plan.stderr  # only failed-for-good or blocked jobs remain
    assert "! " in plan.stdout and "blocked" in plan.stdout and "depends on" in plan.stdout
    again = kit.run(kit.apply_command(spec), sb.env())
    assert again.returncode == 1 and "No changes" in again.stdout and "failed" in again.stderr
    assert "Run apply again" not in again.stderr
    assert sb.stats()["avatar_videos_created"] == 2 and sb.stats().get("uploads", 0) == 0


def test_an_invalid_token_rolls_back_the_write_ahead(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("token", 1, 2))
    refused = kit.run(kit.apply_command(spec), {**sb.env(), "TIKTOK_ACCESS_TOKEN": "not-the-token"})
    assert refused.returncode == 1 and "TIKTOK_ACCESS_TOKEN" in refused.stderr, refused.stderr
    assert "not-the-token" not in refused.stderr + refused.stdout
    assert not [r for r in lock_of(spec, "token").jobs.values() if r.state == "pending" or r.attempts]
    done = kit.run(kit.apply_command(spec), sb.env())
    assert done.returncode == 0 and "adopted" not in done.stderr
    assert sb.stats()["avatar_videos_created"] == 2


def test_a_pending_refresh_is_paid_again_only_with_consent_and_keeps_paid_videos(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("unknown", 1, 1, refresh_from=REFRESH))
    assert kit.run(kit.apply_command(spec), sb.env()).returncode == 0
    made = sb.stats()["refresh_tasks_created"]
    edit_lock(spec, "unknown", refresh_video={"state": "pending", "task_ids": (), "video_ids": ("paid-earlier",)})
    plan = kit.run([*kit.apply_command(spec)[:3], "plan", str(spec)], sb.env())
    assert "reply was lost" in plan.stdout and "costs 1 video" in plan.stdout, plan.stdout
    waiting = kit.run(kit.apply_command(spec), sb.env())
    assert waiting.returncode == 1 and "--retry-unknown" in waiting.stderr, waiting.stderr
    assert sb.stats()["refresh_tasks_created"] == made  # not silently paid twice
    agreed = kit.run(kit.apply_command(spec, "--retry-unknown"), sb.env())
    assert agreed.returncode == 0, agreed.stderr
    assert sb.stats()["refresh_tasks_created"] == made + 1
    refresh = next(r for r in lock_of(spec, "unknown").jobs.values() if r.kind == "refresh_video")
    assert refresh.state == "succeeded" and refresh.video_ids[0] == "paid-earlier" and len(refresh.video_ids) == 2


def test_unknown_task_ids_end_the_run_with_a_message(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("lost", 1, 2))
    assert kit.run(kit.apply_command(spec), sb.env()).returncode == 0
    made = {k: r.video_ids for k, r in lock_of(spec, "lost").jobs.items()}
    edit_lock(spec, "lost", avatar_video={"state": "submitted", "task_ids": ("7400000000000999999",), "video_ids": ()})
    forgotten = kit.run(kit.apply_command(spec), sb.env(), timeout=120)
    assert forgotten.returncode == 0 and "no longer knows task 7400000000000999999" in forgotten.stderr
    assert forgotten.stderr.count("found by its name tag; not paid again") == 2, forgotten.stderr
    assert {k: r.video_ids for k, r in lock_of(spec, "lost").jobs.items()} == made  # adopted, not paid again
    assert sb.stats()["avatar_videos_created"] == 2

    sb.world.state["tiktok"]["avatar_tasks"].clear()  # the provider forgot the tasks and their videos
    edit_lock(spec, "lost", avatar_video={"state": "submitted", "task_ids": ("7400000000000999999",), "video_ids": ()})
    lost = kit.run(kit.apply_command(spec), sb.env(), timeout=120)
    assert lost.returncode == 1 and "TASK_LOST" in lost.stderr, lost.stderr
    records = lock_of(spec, "lost").jobs.values()
    assert all(r.state == "failed" and r.error is not None and r.error.code == "TASK_LOST" for r in records)


def test_a_rename_while_in_flight_reaches_the_provider(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("rename", 1, 1))
    assert kit.run(kit.apply_command(spec), sb.env()).returncode == 0
    edit_lock(spec, "rename", avatar_video={"state": "submitted", "video_ids": ()})
    spec.write_text(spec.read_text().replace('name: "{{ avatar }}-{{ script }}"', 'name: "new-{{ script }}"'))
    assert kit.run(kit.apply_command(spec), sb.env()).returncode == 0
    record = next(iter(lock_of(spec, "rename").jobs.values()))
    assert record.name == "new-s0" and record.video_name is not None and record.video_name.startswith("new-s0~")
    task = next(iter(sb.world.state["tiktok"]["avatar_tasks"].values()))
    assert task.get("renamed") == record.video_name


def test_a_stock_video_the_provider_forgot_is_uploaded_again(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("forgot", 1, 1, refresh_from=REFRESH))
    assert kit.run(kit.apply_command(spec), sb.env()).returncode == 0
    uploads = sb.stats()["uploads"]
    edit_lock(
        spec,
        "forgot",
        upload={"stock_video_id": "v10033g5999999999999"},
        refresh_video={
            "state": "failed",
            "task_ids": (),
            "video_ids": (),
            "attempts": 1,
            "error": JobError("TASK_FAILED", "render error"),
        },
    )
    again = kit.run(kit.apply_command(spec), sb.env())
    assert again.returncode == 0, again.stderr
    assert sb.stats()["uploads"] == uploads + 1
    assert all(r.state == "succeeded" for r in lock_of(spec, "forgot").jobs.values())


def test_first_interrupt_records_replies_and_exits_130_then_resume_pays_nothing_twice(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory(speed=0.05, seed=4)
    spec = write_campaign(kit.campaign_text("stop", 4, 5))
    process = subprocess.Popen(
        kit.apply_command(spec),
        env={**os.environ, **sb.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(r.state == "submitted" for r in lock_of(spec, "stop").jobs.values()):
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Resume with: campaign apply" in err and "Traceback" not in err
    left = lock_of(spec, "stop").jobs.values()
    assert not [r for r in left if r.state == "pending" and not r.task_ids and r.attempts == 0]
    resumed = kit.run(kit.apply_command(spec), sb.env(), timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert sb.stats()["avatar_videos_created"] == 20


def test_heygen_renders_stay_within_the_plan_tier_cap(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    from runner.providers.config import settings_from_env
    from runner.providers.heygen import HeyGenClient

    sb = sandbox_factory(heygen_max_concurrent=1)
    with HeyGenClient(settings_from_env(sb.env())) as heygen:
        look = heygen.list_looks()[0].id
    spec = write_campaign(f"""version: 1
campaign: tier
provider: heygen
avatars:
  anna: {{id: "{look}"}}
scripts: {{s0: {{text: "One."}}, s1: {{text: "Two."}}, s2: {{text: "Three."}}}}
videos:
  - id: hg
    avatars: [anna]
    scripts: [s0, s1, s2]
    voice: voice_0001
apply:
  max_in_flight: {{heygen: 1}}
""")
    sb.reset_stats()
    done = kit.run(kit.apply_command(spec), sb.env())
    assert done.returncode == 0, done.stderr
    assert sb.stats()["rate_limited_total"] == 0  # never beyond the tier's concurrent renders: no 429
    assert len(lock_of(spec, "tier").jobs) == 3
