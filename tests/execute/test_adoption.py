"""The one adoption routine: tags read from video names, which planned jobs may be adopted."""

from __future__ import annotations

from runner.execute import adoption
from runner.lock.records import JobRecord, Lockfile
from runner.plan.estimate import estimate
from runner.plan.job import Job, job_key
from runner.plan.model import Action, Change, Plan, Resume
from runner.plan.requests import AvatarRequest, RenderRequest
from runner.providers.models import VideoInfo
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.names import attempt_key, name_tag, render_title, tagged_video_name
from runner.vocabulary.states import JobState
from runner.vocabulary.tasks import RenderResult, TaskStatus


def _job(script: str) -> Job:
    request = {"avatar_id": "7295705233773068290", "script": script}
    key = job_key("avatar_video", "tiktok", request)
    payload = AvatarRequest(request["avatar_id"], script, tagged_video_name(script, key))
    return Job(key, JobKind.AVATAR_VIDEO, "tiktok", payload, (f"videos.promo[script={script}]",), name=script)


def _video(video_id: str, name: str) -> VideoInfo:
    return VideoInfo(video_id, name, "2026-11-23 10:00:00", None)


def test_tags_are_read_from_the_end_of_names_and_the_first_video_made_wins() -> None:
    job = _job("hello")
    name = tagged_video_name("hello", job.key)
    videos = [
        _video("75000000000000000010", name),
        _video("7500000000000000009", name),  # made first: a shorter id is a smaller number
        _video("7500000000000000001", "hello~not-a-tag"),
        _video("7500000000000000002", f"{name} copy"),
    ]
    tagged = adoption.by_tag(videos)
    assert set(tagged) == {name_tag(job.key)}
    found = adoption.find(tagged, job.key)
    assert found is not None and found.video_id == "7500000000000000009"


def test_only_fresh_creates_and_retries_without_videos_are_adoptable() -> None:
    fresh, pending, retried, paid = _job("a"), _job("b"), _job("c"), _job("d")
    failed = JobRecord("avatar_video", "tiktok", JobState.FAILED, paid.addresses, video_ids=("v1",))
    changes = (
        Change(Action.CREATE, fresh.key, fresh),
        Change(Action.CREATE, pending.key, pending, resume=Resume.PENDING),
        Change(Action.CREATE, retried.key, retried, resume=Resume.RETRY),
        Change(Action.REPLACE, paid.key, paid, record=failed, resume=Resume.RETRY),
    )
    plan = Plan(campaign="c", changes=changes, estimate=estimate(changes))
    assert [j.key for j in adoption.adoptable(plan)] == [fresh.key, retried.key]


def test_adopt_records_succeeded_jobs_with_the_video_and_leaves_the_rest() -> None:
    found, absent = _job("x"), _job("y")
    videos = [_video("7500000000000000005", tagged_video_name("x", found.key))]
    lock, adopted = adoption.adopt([found, absent], videos, Lockfile(campaign="c"), now=1.0)
    assert [a.key for a in adopted] == [found.key]
    record = lock.jobs[found.key]
    assert record.state == JobState.SUCCEEDED and record.video_ids == ("7500000000000000005",)
    assert record.request == dict(found.request) and absent.key not in lock.jobs


def _render_job(script: str) -> Job:
    payload = RenderRequest("look_1", script, (("voice_id", "v"), ("aspect_ratio", "9:16")))
    key = job_key("heygen_video", "heygen", payload.canonical())
    return Job(key, JobKind.HEYGEN_VIDEO, "heygen", payload, (f"videos.hg[script={script}]",), name=script)


def test_renders_are_adoptable_and_their_latest_attempt_is_found_by_title() -> None:
    job = _render_job("hi")
    plan = Plan(campaign="c", changes=(Change(Action.CREATE, job.key, job),), estimate=estimate(()))
    assert adoption.adoptable(plan) == [job]
    renders = [
        RenderResult("r1", TaskStatus.FAILED, error="broke", title=render_title("hi", job.key, 1)),
        RenderResult("r2", TaskStatus.SUCCEEDED, "r2", "https://x/r2.mp4", title=render_title("hi", job.key, 2)),
        RenderResult("r3", TaskStatus.SUCCEEDED, "r3", title=f"hi~{name_tag(job.key)} copy"),  # not a tag
    ]
    lock, adopted = adoption.adopt_renders([job], renders, Lockfile(campaign="c"), now=5.0)
    record = lock.jobs[job.key]
    assert [(a.video_id, a.name) for a in adopted] == [("r2", render_title("hi", job.key, 2))]
    assert record.state == JobState.SUCCEEDED and record.video_ids == ("r2",) and record.attempts == 2
    assert record.idempotency_key == f"{job.key}:2" and record.finished_at == 5.0


def test_a_render_attempt_the_lockfile_knows_is_not_adopted_again_and_others_keep_their_state() -> None:
    failed_job, running_job = _render_job("a"), _render_job("b")
    known = JobRecord("heygen_video", "heygen", JobState.FAILED, failed_job.addresses, attempts=1)
    renders = [
        RenderResult("r1", TaskStatus.FAILED, error="broke", title=render_title("a", failed_job.key, 1)),
        RenderResult("r2", TaskStatus.RUNNING, title=render_title("b", running_job.key, 1)),
    ]
    start = Lockfile(campaign="c", jobs={failed_job.key: known})
    lock, adopted = adoption.adopt_renders([failed_job, running_job], renders, start, now=1.0)
    assert [a.key for a in adopted] == [running_job.key] and lock.jobs[failed_job.key] == known
    running = lock.jobs[running_job.key]
    assert running.state == JobState.SUBMITTED and running.task_ids == ("r2",) and not running.video_ids
    failed = adoption.render_record(failed_job, renders[0], 1, now=1.0)
    assert failed.state == JobState.FAILED and failed.error is not None and failed.error.message == "broke"


def test_a_tag_says_which_campaign_owns_the_video_and_older_names_are_taken_only_exactly() -> None:
    job = _job("hello")
    assert name_tag(job.key, "boots") != name_tag(job.key, "boots-copy") != name_tag(job.key)
    ours = _video("7500000000000000001", tagged_video_name("hello", job.key, owner="boots"))
    copy = _video("7500000000000000002", tagged_video_name("hello", job.key, owner="boots-copy"))
    _, found = adoption.adopt([job], [copy], Lockfile(campaign="boots"), now=1.0)
    assert found == []  # another campaign's video, though the job is the same
    _, found = adoption.adopt([job], [copy, ours], Lockfile(campaign="boots"), now=1.0)
    assert [a.video_id for a in found] == ["7500000000000000001"]
    older = _video("7500000000000000003", tagged_video_name("hello", job.key))  # named by an older release
    renamed = _video("7500000000000000004", tagged_video_name("other-hello", job.key))
    _, found = adoption.adopt([job], [older], Lockfile(campaign="boots"), now=1.0)
    assert [a.video_id for a in found] == ["7500000000000000003"]
    _, found = adoption.adopt([job], [renamed], Lockfile(campaign="boots"), now=1.0)
    assert found == []  # the older form does not say whose it is: only the exact name is taken


def test_a_video_another_lockfile_records_is_reported_never_adopted() -> None:
    job = _job("hello")
    theirs = _video("7500000000000000001", tagged_video_name("hello", job.key, owner="boots"))
    mine = _video("7500000000000000009", tagged_video_name("hello", job.key, owner="boots"))
    foreign = {"7500000000000000001": "boots-too.lock.yaml"}
    lock, found = adoption.adopt([job], [theirs], Lockfile(campaign="boots"), now=1.0, foreign=foreign)
    assert [(a.video_id, a.elsewhere) for a in found] == [("7500000000000000001", "boots-too.lock.yaml")]
    assert not lock.jobs and "boots-too.lock.yaml records it" in adoption.found_line(found[0])
    lock, found = adoption.adopt([job], [theirs, mine], Lockfile(campaign="boots"), now=1.0, foreign=foreign)
    assert lock.jobs[job.key].video_ids == ("7500000000000000009",) and found[0].elsewhere is None


def test_renders_of_another_campaign_are_not_found_and_keys_carry_the_campaign() -> None:
    job = _render_job("hi")
    theirs = RenderResult("r1", TaskStatus.SUCCEEDED, "r1", title=render_title("hi", job.key, 1, "other"))
    ours = RenderResult("r2", TaskStatus.SUCCEEDED, "r2", title=render_title("hi", job.key, 1, "c"))
    _, found = adoption.adopt_renders([job], [theirs], Lockfile(campaign="c"), now=1.0)
    assert found == []
    lock, found = adoption.adopt_renders([job], [theirs, ours], Lockfile(campaign="c"), now=1.0)
    assert [a.video_id for a in found] == ["r2"]
    assert lock.jobs[job.key].idempotency_key == attempt_key(job.key, 1, "c") == f"{job.key}.{name_tag(job.key, 'c')}"
    assert attempt_key(job.key, 1, "c") != attempt_key(job.key, 1, "other")  # no replay of another's render


def test_a_video_named_with_a_former_key_of_the_job_is_adopted_under_its_key() -> None:
    """An older release keyed the job by its script with a tag line's blank line: its video is still this job's."""
    job, older = _job("hello"), _job("\nhello")
    reworded = Job(job.key, job.kind, job.provider, job.payload, job.addresses, name="hello", former_keys=(older.key,))
    made = _video("7500000000000000007", tagged_video_name("hello", older.key, owner="boots"))
    lock, found = adoption.adopt([reworded], [made], Lockfile(campaign="boots"), now=1.0)
    assert [a.video_id for a in found] == ["7500000000000000007"]
    assert lock.jobs[job.key].video_ids == ("7500000000000000007",)
    _, found = adoption.adopt([job], [made], Lockfile(campaign="boots"), now=1.0)
    assert found == []  # without the former key nothing carries its tag


def test_a_render_titled_with_a_former_key_of_the_job_is_adopted_under_its_key() -> None:
    job, older = _render_job("hi"), _render_job("\nhi")
    reworded = Job(job.key, job.kind, job.provider, job.payload, job.addresses, name="hi", former_keys=(older.key,))
    title = render_title("hi", older.key, 1, owner="c")
    made = RenderResult("r1", TaskStatus.SUCCEEDED, "r1", "https://x/r1.mp4", title=title)
    lock, found = adoption.adopt_renders([reworded], [made], Lockfile(campaign="c"), now=1.0)
    assert [a.video_id for a in found] == ["r1"]
    record = lock.jobs[job.key]
    assert record.video_ids == ("r1",) and record.idempotency_key == attempt_key(older.key, 1, "c")
    assert adoption.adopt_renders([job], [made], Lockfile(campaign="c"), now=1.0)[1] == []
