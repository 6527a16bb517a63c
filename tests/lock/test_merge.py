"""Joining two sides of a lockfile: every paid id kept, the later state of a job wins, contradictions named."""

from __future__ import annotations

from runner.lock.merge import union
from runner.lock.records import JobError, JobRecord, Lockfile
from runner.lock.world import Endpoint, World
from runner.vocabulary.states import JobState

KEY_A, KEY_B, KEY_C = "av-000000000000000a", "av-000000000000000b", "av-000000000000000c"


def _record(
    state: JobState,
    *,
    attempts: int = 1,
    tasks: tuple[str, ...] = (),
    videos: tuple[str, ...] = (),
    address: str = "videos.promo[avatar=a]",
) -> JobRecord:
    return JobRecord(
        kind="avatar_video",
        provider="tiktok",
        state=state,
        addresses=(address,),
        task_ids=tasks,
        video_ids=videos,
        attempts=attempts,
    )


def _lock(jobs: dict[str, JobRecord], serial: int = 3) -> Lockfile:
    return Lockfile(campaign="skin", jobs=jobs, serial=serial, lineage="same")


def test_jobs_of_either_side_are_all_kept() -> None:
    ours = _lock({KEY_A: _record(JobState.SUCCEEDED, tasks=("t1",), videos=("v1",))})
    theirs = _lock({KEY_B: _record(JobState.SUCCEEDED, tasks=("t2",), videos=("v2",))}, serial=5)
    merged = union(ours, theirs)
    assert merged.contradictions == ()
    assert set(merged.lockfile.jobs) == {KEY_A, KEY_B}
    assert merged.lockfile.serial == 5
    assert (merged.only_ours, merged.only_theirs, merged.on_both) == (1, 1, 0)


def test_the_later_state_of_one_job_wins_whichever_side_holds_it() -> None:
    submitted = _record(JobState.SUBMITTED, tasks=("t1",))
    done = _record(JobState.SUCCEEDED, tasks=("t1",), videos=("v1",), address="videos.promo[avatar=b]")
    for ours, theirs in ((submitted, done), (done, submitted)):
        merged = union(_lock({KEY_A: ours}), _lock({KEY_A: theirs}))
        assert merged.contradictions == ()
        record = merged.lockfile.jobs[KEY_A]
        assert record.state == JobState.SUCCEEDED and record.video_ids == ("v1",)
        assert record.addresses == ("videos.promo[avatar=a]", "videos.promo[avatar=b]")


def test_a_retry_after_a_failure_wins_and_the_failed_task_is_no_contradiction() -> None:
    failed = JobRecord(
        kind="avatar_video",
        provider="tiktok",
        state=JobState.FAILED,
        addresses=("x",),
        task_ids=("t1",),
        attempts=1,
        error=JobError("RENDER", "failed"),
    )
    retried = _record(JobState.SUCCEEDED, attempts=2, tasks=("t2",), videos=("v2",))
    merged = union(_lock({KEY_A: retried}), _lock({KEY_A: failed}))
    assert merged.contradictions == ()
    assert merged.lockfile.jobs[KEY_A].video_ids == ("v2",)


def test_two_paid_videos_for_one_job_are_a_contradiction_naming_both() -> None:
    ours = _lock({KEY_A: _record(JobState.SUCCEEDED, tasks=("t1",), videos=("v1",)), KEY_C: _record(JobState.PENDING)})
    theirs = _lock({KEY_A: _record(JobState.SUCCEEDED, tasks=("t2",), videos=("v2",))})
    merged = union(ours, theirs)
    assert len(merged.contradictions) == 1
    assert KEY_A in merged.contradictions[0] and "v1" in merged.contradictions[0] and "v2" in merged.contradictions[0]


def test_a_submitted_task_lost_by_the_later_side_is_a_contradiction() -> None:
    ours = _lock({KEY_A: _record(JobState.SUBMITTED, tasks=("t1",))})
    theirs = _lock({KEY_A: _record(JobState.SUCCEEDED, tasks=("t2",), videos=("v2",))})
    assert "t1" in union(ours, theirs).contradictions[0]


def test_other_campaigns_and_other_worlds_are_contradictions() -> None:
    here = World(sandbox=False, providers={"tiktok": Endpoint("business-api.tiktok.com", "1")})
    there = World(sandbox=False, providers={"tiktok": Endpoint("business-api.tiktok.com", "2")})
    ours = Lockfile(campaign="skin", world=here)
    theirs = Lockfile(campaign="boots", world=there)
    problems = union(ours, theirs).contradictions
    assert any(p.startswith("campaign:") for p in problems) and any(p.startswith("world:") for p in problems)


def test_resolved_avatars_are_joined_with_the_newer_side_winning_a_clash() -> None:
    ours = (
        Lockfile(campaign="skin", serial=2).with_resolution("tiktok", "Tom", "1").with_resolution("tiktok", "Ann", "7")
    )
    theirs = Lockfile(campaign="skin", serial=4).with_resolution("tiktok", "Tom", "2")
    assert union(ours, theirs).lockfile.resolved_avatars == {"tiktok": {"Tom": "2", "Ann": "7"}}
