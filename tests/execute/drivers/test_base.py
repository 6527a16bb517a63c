"""Tasks the provider no longer knows end the run: adopted by their name tag where the video exists, else failed.

Against an account that refuses a look-up naming an unknown task id (as after a provider restart), rather than
leaving it out, every apply used to spend its transient budget on the same refused poll and exit 1, forever.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from runner.execute.engine import ApplyResult
from runner.lock import lockfile
from runner.plan.make import make_plan
from runner.plan.model import Action
from tests.execute.fault_tiktok import Faults, FaultyTikTok
from tests.execute.test_engine_faults import apply_once, campaign
from tests.fake_clock import FakeClock

FORGOTTEN = "7499999999999999999"


def forget_tasks(lock_path: Path, keys: list[str]) -> None:
    """Leave these jobs `submitted` with a task id the provider does not know (its state was reset)."""
    lock = lockfile.read(lock_path, "faults")
    for key in keys:
        lock = lock.with_job(key, replace(lock.jobs[key], state="submitted", task_ids=(FORGOTTEN,), video_ids=()))
    lockfile.write(lock_path, lock)


def test_refused_task_ids_are_adopted_by_tag_or_failed_with_the_providers_words(tmp_path: Path) -> None:
    clock = FakeClock()
    account = FaultyTikTok(clock, Faults(), random.Random(0), refuse_unknown_tasks=True)
    spec = campaign(tmp_path, retries=1)
    assert isinstance(apply_once(spec, account, clock), ApplyResult)
    lock_path = spec.with_name("faults.lock.yaml")
    jobs = lockfile.read(lock_path, "faults").jobs
    kept, gone = sorted(k for k, r in jobs.items() if r.kind == "avatar_video")[:2]
    video_of = {key: jobs[key].video_ids for key in (kept, gone)}
    account.tasks = {t: task for t, task in account.tasks.items() if task["job"] != gone}  # its video is gone too
    forget_tasks(lock_path, [kept, gone])
    paid, before = sum(account.paid.values()), account.requests

    result = apply_once(spec, account, clock)
    assert isinstance(result, ApplyResult), result  # the run ends: no transient budget spent on a refusal
    assert account.requests - before < 40 and sum(account.paid.values()) == paid  # nothing paid again
    after = lockfile.read(lock_path, "faults").jobs
    assert after[kept].state == "succeeded" and after[kept].video_ids == video_of[kept]  # found by its name tag
    error = after[gone].error
    assert after[gone].state == "failed" and error is not None and error.code == "TASK_LOST"
    assert f"task_ids: task {FORGOTTEN} does not exist" in error.message  # the provider's words
    assert result.failed == (gone,)
    plan = make_plan(spec).plan
    assert [c.key for c in plan.changes if c.action is Action.CREATE] == [gone]  # retried within max_retries
