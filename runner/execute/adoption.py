"""One adoption routine: find avatar videos by the `~tag` of their job key, and record them as made.

Used by the engine for a create whose reply was lost, by apply for a lockfile older than the
account (a checkout taken before the previous apply's lockfile was committed), and by
`campaign import` for a lost lockfile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from runner.lock.lockfile import JobRecord, Lockfile
from runner.plan.job import Job
from runner.plan.model import Action, Plan, Resume
from runner.providers.models import VideoInfo
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.names import name_tag
from runner.vocabulary.states import JobState

_TAG = re.compile(r"~([0-9a-f]{10})$")


@dataclass(frozen=True, slots=True)
class Adoption:
    """A job about to be created whose video the account already has."""

    key: str
    job: Job
    video: VideoInfo


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
    """Avatar videos the plan would pay for afresh: new, replaced or retried, with no video on record.

    Pending and submitted jobs are left to the engine, which polls or adopts them itself.
    """
    jobs = []
    for change in plan.changes:
        job = change.job
        if job is None or job.kind != JobKind.AVATAR_VIDEO or job.provisional:
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
    )


def adopt(
    jobs: Iterable[Job], videos: Iterable[VideoInfo], lock: Lockfile, now: float
) -> tuple[Lockfile, list[Adoption]]:
    """Record (in memory) each job whose tagged video is in `videos`; return the lockfile and what was adopted."""
    tagged = by_tag(videos)
    adopted = [Adoption(job.key, job, video) for job in jobs if (video := find(tagged, job.key)) is not None]
    records = {a.key: adopted_record(a.job, a.video, now) for a in adopted}
    return (replace(lock, jobs={**lock.jobs, **records}) if records else lock), adopted
