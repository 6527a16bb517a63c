"""One adoption routine: find videos by the `~tag` of their job key, and record them as made.

Avatar videos carry the tag in their names, renders in their titles (with the attempt that made them).
Used by the engine for a create whose reply was lost, by apply for a lockfile older than the account
(a checkout taken before the previous apply's lockfile was committed), and by `campaign import` for a
lost lockfile.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from runner.execute.capabilities import render_finder
from runner.execute.outcome import render_outcome
from runner.execute.ports import tiktok_api
from runner.lock.records import JobError, JobRecord, Lockfile
from runner.plan.job import Job
from runner.plan.model import Action, Plan, Resume
from runner.providers.models import VideoInfo
from runner.vocabulary.kinds import kind
from runner.vocabulary.names import TAG_MARK, attempt_key, name_tag, title_tag
from runner.vocabulary.states import JobState
from runner.vocabulary.tasks import RenderResult, TaskStatus

_TAG = re.compile(r"~([0-9a-f]{10})$")


@dataclass(frozen=True, slots=True)
class Adoption:
    """A job about to be created whose video the account already has, and the record it gets."""

    key: str
    job: Job
    video_id: str
    name: str  # the video's name (or the render's title) at the provider
    record: JobRecord


def by_tag(videos: Iterable[VideoInfo]) -> dict[str, VideoInfo]:
    """Each name tag with the video carrying it; the lowest id when several do (the first one made)."""
    found: dict[str, VideoInfo] = {}
    for video in sorted(videos, key=lambda v: (len(v.video_id), v.video_id)):
        match = _TAG.search(video.video_name)
        if match is not None:
            found.setdefault(match.group(1), video)
    return found


def find(videos: Mapping[str, VideoInfo], key: str) -> VideoInfo | None:
    """The video that carries job `key`'s tag, if any."""
    return videos.get(name_tag(key))


def adoptable(plan: Plan) -> list[Job]:
    """Tagged videos the plan would pay for afresh: new, replaced or retried, with no video on record.

    Pending and submitted jobs are left to the engine, which polls or adopts them itself.
    """
    jobs = []
    for change in plan.changes:
        job = change.job
        if job is None or job.provisional or not (kind(job.kind).tagged_name and kind(job.kind).makes_videos):
            continue
        if change.action not in (Action.CREATE, Action.REPLACE):
            continue
        if change.resume not in (None, Resume.RETRY):
            continue
        if change.record is not None and change.replaces is None and change.record.video_ids:
            continue  # a paid video on record is never overwritten
        jobs.append(job)
    return jobs


def adopted_record(job: Job, video: VideoInfo, now: float) -> JobRecord:
    """The record of a job whose video was found by its tag: made, and not paid again."""
    return JobRecord(
        kind=job.kind,
        provider=job.provider,
        state=JobState.SUCCEEDED,
        addresses=job.addresses,
        name=job.name,
        video_name=video.video_name,
        depends_on=job.depends_on,
        video_ids=(video.video_id,),
        finished_at=now,
        request=dict(job.request),
        spend={"adopted": 1},
    )


def _with(lock: Lockfile, adopted: list[Adoption]) -> Lockfile:
    return replace(lock, jobs={**lock.jobs, **{a.key: a.record for a in adopted}}) if adopted else lock


def adopt(
    jobs: Iterable[Job], videos: Iterable[VideoInfo], lock: Lockfile, now: float
) -> tuple[Lockfile, list[Adoption]]:
    """Record (in memory) each job whose tagged video is in `videos`; return the lockfile and what was adopted."""
    tagged = by_tag(videos)
    adopted = [
        Adoption(job.key, job, video.video_id, video.video_name, adopted_record(job, video, now))
        for job in jobs
        if (video := find(tagged, job.key)) is not None
    ]
    return _with(lock, adopted), adopted


def latest_render(renders: Iterable[RenderResult], key: str) -> tuple[RenderResult, int] | None:
    """The render of job `key`'s latest attempt (by its title), a finished one first; None when none carries its tag."""
    tag = name_tag(key)
    mine = [(r, found[1]) for r in renders if (found := title_tag(r.title)) is not None and found[0] == tag]
    if not mine:
        return None
    return max(mine, key=lambda pair: (pair[1], pair[0].status == TaskStatus.SUCCEEDED, pair[0].render_id))


def render_record(job: Job, render: RenderResult, attempt: int, now: float) -> JobRecord:
    """The record of a render found by its title: made (or failed) as the provider says, or still rendering."""
    outcome = render_outcome(render)
    record = JobRecord(
        kind=job.kind,
        provider=job.provider,
        state=JobState.SUBMITTED,
        addresses=job.addresses,
        name=job.name,
        video_name=render.title,
        depends_on=job.depends_on,
        task_ids=(render.render_id,),
        attempts=attempt,
        request=dict(job.request),
        idempotency_key=attempt_key(job.key, attempt),
        spend={"adopted": 1},
    )
    if outcome is None:
        return record
    if outcome.succeeded:
        return replace(record, state=JobState.SUCCEEDED, video_ids=outcome.video_ids, finished_at=now)
    error = JobError(str(outcome.error_code), str(outcome.error))
    return replace(record, state=JobState.FAILED, error=error, finished_at=now)


def adopt_renders(
    jobs: Iterable[Job], renders: list[RenderResult], lock: Lockfile, now: float
) -> tuple[Lockfile, list[Adoption]]:
    """Record (in memory) each job's latest render found by its title, unless the lockfile knows that attempt."""
    adopted = []
    for job in jobs:
        found = latest_render(renders, job.key)
        known = lock.jobs.get(job.key)
        if found is None or (known is not None and known.attempts >= found[1]):
            continue
        render, attempt = found
        record = render_record(job, render, attempt, now)
        adopted.append(Adoption(job.key, job, render.video_id or render.render_id, render.title or "", record))
    return _with(lock, adopted), adopted


def look_up(
    jobs: Iterable[Job], client_of: Callable[[str], object], lock: Lockfile, now: float
) -> tuple[Lockfile, list[Adoption]]:
    """Ask each provider once for its tagged videos (renders by title, avatar videos by name) and adopt them."""
    by_provider: dict[str, list[Job]] = {}
    for job in jobs:
        by_provider.setdefault(job.provider, []).append(job)
    adopted: list[Adoption] = []
    for name, group in sorted(by_provider.items()):
        client = client_of(name)
        finder = render_finder(client)
        if finder is not None:
            lock, found = adopt_renders(group, finder.find_renders(TAG_MARK), lock, now)
        else:
            lock, found = adopt(group, tiktok_api(client).list_avatar_videos(), lock, now)
        adopted += found
    return lock, adopted
