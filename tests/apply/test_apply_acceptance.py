"""Issue acceptance for apply: idempotence, faults, adoption, concurrency, saved plans, notices, the README demo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from runner.lock import lockfile

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_second_apply_sends_zero_requests_and_plan_is_all_noop(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("idem", 2, 2, refresh_from="{script: s0}"))
    first = kit.run(kit.apply_command(spec), sb.env())
    assert first.returncode == 0, first.stderr
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "idem")
    assert len(lock.jobs) == 8 and all(r.state == "succeeded" for r in lock.jobs.values())
    assert all(len(r.artifacts) == len(r.video_ids) for r in lock.jobs.values() if r.kind != "upload")
    before = sb.stats()["requests_total"]
    second = kit.run(kit.apply_command(spec), sb.env())
    assert second.returncode == 0 and "No changes. 8 jobs up to date." in second.stdout
    assert sb.stats()["requests_total"] == before
    plan = kit.run([*kit.apply_command(spec)[:3], "plan", str(spec), "--detailed-exitcode"], sb.env())
    assert plan.returncode == 0 and "No changes." in plan.stdout


def test_faults_converge_and_the_next_apply_retries_only_failed_jobs(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory(fault_rate=0.2, task_failure_rate=0.05, seed=4)  # this seed fails some of the 40 tasks
    spec = write_campaign(kit.campaign_text("faulty", 4, 10))
    first = kit.run(kit.apply_command(spec), sb.env())
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "faulty")
    failed = sorted(k for k, r in lock.jobs.items() if r.state == "failed")
    assert failed and first.returncode == 1, first.stderr
    assert sum(r.state == "succeeded" for r in lock.jobs.values()) == 40 - len(failed)
    for key in failed:
        assert f"failed {key}" in first.stderr
    assert first.stderr.count("  failed ") == len(failed)
    assert sb.stats()["faults"] > 0
    # every video made was an attempt on record: none paid twice for one attempt (a 5xx create whose video never
    # appeared is an attempt too: it may have been a render that failed)
    assert 40 - len(failed) <= sb.stats()["avatar_videos_created"] <= sum(r.attempts for r in lock.jobs.values())
    retried = {k for k in failed if lock.jobs[k].attempts <= 1}  # apply.max_retries is 1
    second = kit.run(kit.apply_command(spec), sb.env())
    again = lockfile.read(spec.with_name("c.lock.yaml"), "faulty")
    assert {k for k, r in again.jobs.items() if r.attempts != lock.jobs[k].attempts} == retried
    assert all(again.jobs[k].attempts == 2 for k in retried)
    assert sb.stats()["avatar_videos_created"] <= sum(r.attempts for r in again.jobs.values())
    assert second.returncode in (0, 1)


def test_lost_create_replies_are_adopted_not_paid_again(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory(lost_reply_rate=1.0)  # every create takes effect and loses its reply
    spec = write_campaign(kit.campaign_text("lost", 2, 5))
    result = kit.run(kit.apply_command(spec), sb.env())
    assert result.returncode == 0, result.stderr
    assert sb.world.events["lost_replies"] == 2  # two batches of 5
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "lost")
    assert all(r.state == "succeeded" for r in lock.jobs.values())
    assert len({v for r in lock.jobs.values() for v in r.video_ids}) == 10
    assert sb.stats()["avatar_videos_created"] == 10
    assert "adopted" in result.stderr


def test_two_concurrent_applies_one_runs_the_other_names_the_holder(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    # Renders of 5-10 s: the first apply still holds the lock when the second has started, even on a machine so
    # loaded that starting Python takes seconds (at 1 % the first could finish before the second asked).
    sb = sandbox_factory(speed=0.1)
    spec = write_campaign(kit.campaign_text("twice", 2, 3))
    env = {**os.environ, **sb.env()}
    first = subprocess.Popen(
        kit.apply_command(spec), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    info = spec.parent / ".c.lock.yaml.state-lock.json"
    deadline = time.monotonic() + 30
    while not info.exists():
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.01)
    second = kit.run(kit.apply_command(spec), sb.env())
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 1
    assert f"pid {first.pid}" in second.stderr and "lock id" in second.stderr
    assert sb.stats()["avatar_videos_created"] == 6


def test_saved_plan_is_refused_before_any_request_when_the_spec_changed(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("saved", 1, 2))
    plan_file = spec.parent / "p.json"
    made = kit.run([*kit.apply_command(spec)[:3], "plan", str(spec), "--out", str(plan_file)], sb.env())
    assert made.returncode == 0
    spec.write_text(spec.read_text().replace("Script number 1", "Script number one"))
    refused = kit.run([*kit.apply_command(spec)[:3], "apply", str(spec), "--plan", str(plan_file)], sb.env())
    assert refused.returncode == 1 and "changed since the plan" in refused.stderr
    assert sb.stats()["requests_total"] == 0
    remade = kit.run([*kit.apply_command(spec)[:3], "plan", str(spec), "--out", str(plan_file)], sb.env())
    assert remade.returncode == 0
    applied = kit.run(
        [*kit.apply_command(spec)[:3], "apply", str(spec), "--plan", str(plan_file), "--accept-notices"], sb.env()
    )
    assert applied.returncode == 0, applied.stderr
    assert sb.stats()["avatar_videos_created"] == 2


def test_notices_need_an_acknowledgement_without_a_tty(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("notice", 1, 1, refresh_from="{script: s0}"))
    result = kit.run([*kit.apply_command(spec)[:3], "apply", str(spec), "--yes"], sb.env())
    assert result.returncode == 1
    assert "--accept-notices" in result.stderr and "apply: {accept_notices: true}" in result.stderr
    assert "By uploading assets" in result.stderr
    assert sb.stats()["requests_total"] == 0
    assert "Traceback" not in result.stderr


def test_readme_main_command_on_a_copy_of_the_campaigns(tmp_path: Path, kit: Any) -> None:
    folder = tmp_path / "campaigns"
    shutil.copytree(PROJECT_DIR / "campaigns", folder)
    shutil.copytree(PROJECT_DIR / "templates", tmp_path / "templates")
    command = [
        *kit.apply_command(folder / "demo.yaml")[:3],
        "apply",
        str(folder / "demo.yaml"),
        "--sandbox",
        "--yes",
        "--accept-notices",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "HEYGEN_", "ZEGO_"))}
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    lock = lockfile.read(folder / "demo.sandbox.lock.yaml", "demo")  # the sandbox keeps its own lockfile
    assert len(lock.jobs) == 10 and all(r.state == "succeeded" for r in lock.jobs.values())
    videos = sorted((folder / "artifacts" / "demo").glob("*.mp4"))
    assert len(videos) == 7 and all(v.stat().st_size > 0 for v in videos)
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert second.returncode == 0 and "No changes." in second.stdout


def test_rename_redownload_status_and_json_summary(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory()
    spec = write_campaign(kit.campaign_text("life", 1, 2))
    first = kit.run(kit.apply_command(spec, "--format", "json"), sb.env())
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)  # stdout is the JSON summary alone; plan and progress go to stderr
    assert len(summary["succeeded"]) == 2 and summary["failed"] == [] and summary["videos_created"] == 2
    assert summary["counts"] == {"succeeded": 2, "failed": 0, "skipped": 0} and summary["requests"] > 0
    assert "1 to create" in first.stderr or "2 to create" in first.stderr
    spec.write_text(
        spec.read_text().replace('name: "{{ avatar }}-{{ script }}"', 'name: "new-{{ avatar }}-{{ script }}"')
    )
    renamed = kit.run(kit.apply_command(spec), sb.env())
    assert renamed.returncode == 0 and "2 to rename" in renamed.stdout, renamed.stderr
    assert sb.stats()["requests"]["tiktok /file/video/ad/update/"] == 2 and sb.stats()["avatar_videos_created"] == 2
    names = [
        v["video_name"]
        for v in httpx.get(
            sb.tiktok_url + "/creative/digital_avatar/video/list/", headers={"Access-Token": "sandbox-token"}
        ).json()["data"]["list"]
    ]
    assert sorted(n.split("~")[0] for n in names) == ["new-a0-s0", "new-a0-s1"]
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "life")
    victim = next(iter(lock.jobs.values())).artifacts[0]
    (spec.parent / victim.path).unlink()
    status = kit.run([*kit.apply_command(spec)[:3], "status", str(spec)], sb.env())
    assert status.returncode == 0 and "artifacts: 0/1" in status.stdout and "2 succeeded" in status.stdout
    fixed = kit.run(kit.apply_command(spec), sb.env())
    assert fixed.returncode == 0, fixed.stderr
    assert (spec.parent / victim.path).stat().st_size == victim.size
    assert sb.stats()["avatar_videos_created"] == 2
    final = kit.run(kit.apply_command(spec), sb.env())
    assert "No changes." in final.stdout
