"""One adoption routine: find videos by the `~tag` of their job key, and record them as made.

Avatar videos carry the tag in their names, renders in their titles (with the attempt that made them).
Digital twins carry it in their group's (or look's) name. Used by the engine for a create whose reply
was lost, by apply for a lockfile older than the account (a checkout taken before the previous apply's
lockfile was committed, or a clone without it), and by `campaign import` for a lost lockfile.

A tag names the job and the campaign that owns it (`runner/vocabulary/names.py`); a name in the older
form (the key's hex alone) is taken only when it is exactly the name this job would have had. A video
that another lockfile beside this one records is never taken: it is reported as someone else's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from runner.execute.capabilities import render_finder
from runner.execute.outcome import render_outcome
from runner.execute.ports import TwinApi, twin_api
from runner.execute.scan import account_scan, cut_warning
from runner.lock.records import JobError, JobRecord, Lockfile
from runner.plan.job import Job
from runner.plan.model import Action, Plan, Resume
from runner.providers.models import VideoInfo
from runner.vocabulary.kinds import kind
from runner.vocabulary.names import TAG_MARK, attempt_key, name_tag, render_title, tag_in, tagged_video_name, title_tag
from runner.vocabulary.states import JobState
from runner.vocabulary.tasks import RenderResult, TaskStatus

_TAG = re.compile(r"~([0-9a-f]{10})$")


@dataclass(frozen=True, slots=True)
class Adoption:
    """A job about to be created whose video the account already has, and the record it gets."""

    key: str
    job: Job
    video_id: str
    name: str  # the video's name (or the render's title, or the twin's name) at the provider
    record: JobRecord
    elsewhere: str | None = None  # another lockfile that records this video: then it is not adopted
    noun: str = "video"  # what was found: a video, or a digital twin's group


def by_tag(videos: Iterable[VideoInfo]) -> dict[str, VideoInfo]:
    """Each name tag with the video carrying it; the lowest id when several do (the first one made)."""
    found: dict[str, VideoInfo] = {}
    for video in sorted(videos, key=lambda v: (len(v.video_id), v.video_id)):
        match = _TAG.search(video.video_name)
        if match is not None:
            found.setdefault(match.group(1), video)
    return found


def find(
    videos: Mapping[str, VideoInfo], key: str, owner: str | None = None, name: str | None = None
) -> VideoInfo | None:
    """The video that carries job `key`'s tag for campaign `owner`, or exactly the older form of its name."""
    found = videos.get(name_tag(key, owner)) if owner is not None else None
    if found is not None:
        return found
    older = videos.get(name_tag(key))
    if older is None or (owner is not None and older.video_name != tagged_video_name(name or key, key)):
        return None
    return older


def find_job(videos: Mapping[str, VideoInfo], job: Job, owner: str | None = None) -> VideoInfo | None:
    """The video of `job` by its key's tag, or by the tag of a key an older release gave the same job."""
    for key in (job.key, *job.former_keys):
        found = find(videos, key, owner, job.name)
        if found is not None:
            return found
    return None


def sent_tag(record: JobRecord | None, key: str, owner: str) -> str:
    """The tag a job's create was sent with: the one in the name written ahead (older records: the older form)."""
    return (tag_in(record.video_name) if record is not None else None) or name_tag(key, owner)


def adoptable(plan: Plan) -> list[Job]:
    """Tagged videos the plan would pay for afresh: new, replaced or retried, with no video on record.

    Pending and submitted jobs are left to the engine, which polls or adopts them itself.
    """
    jobs = []
    for change in plan.changes:
        job = change.job
        spec = kind(job.kind) if job is not None else None
        if (
            job is None
            or spec is None
            or job.provisional
            or not (spec.tagged_name and (spec.makes_videos or spec.twin))
        ):
            continue
        if change.action not in (Action.CREATE, Action.REPLACE):
            continue
        if change.resume not in (None, Resume.RETRY) or (spec.twin and change.record is not None):
            continue  # a twin on record that failed is made afresh on purpose: its subject refused, or training failed
        if change.record is not None and change.replaces is None and change.record.video_ids:
            continue  # a paid video on record is never overwritten
        jobs.append(job)
    return jobs


def adopted_record(job: Job, video: VideoInfo, now: float) -> JobRecord:
    """The record of a job whose video was found by its tag: made, and not paid again."""
    return found_record(
        job,
        JobState.SUCCEEDED,
        video_name=video.video_name,
        video_ids=(video.video_id,),
        finished_at=now,
        spend={"adopted": 1},
    )


def found_record(job: Job, state: JobState, **fields: Any) -> JobRecord:
    """A record of `job` as the account showed it: the job's own facts, with what was found."""
    return JobRecord(
        kind=job.kind,
        provider=job.provider,
        state=state,
        addresses=job.addresses,
        name=job.name,
        depends_on=job.depends_on,
        request=dict(job.request),
        **fields,
    )


def _with(lock: Lockfile, adopted: list[Adoption]) -> Lockfile:
    taken = {a.key: a.record for a in adopted if a.elsewhere is None}
    return replace(lock, jobs={**lock.jobs, **taken}) if taken else lock


def found_line(found: Adoption) -> str:
    """What apply says of a video found by its tag: adopted, or left to the lockfile that records it."""
    if found.elsewhere is not None:
        return (
            f"not adopted for {found.job.addresses[0]}: video {found.video_id} ({found.name!r}) carries its tag, but "
            f"{found.elsewhere} records it (a file with the same campaign name, or a copy): it stays that file's"
        )
    return (
        f"adopted {found.job.addresses[0]}: {found.noun} {found.video_id} carries its tag; the lockfile did not "
        "know it (a checkout older than the last apply). Not paid again"
    )


def adopt(
    jobs: Iterable[Job],
    videos: Iterable[VideoInfo],
    lock: Lockfile,
    now: float,
    foreign: Mapping[str, str] | None = None,
) -> tuple[Lockfile, list[Adoption]]:
    """Record (in memory) each job whose tagged video is in `videos`; return the lockfile and what was found.

    `foreign`: video ids other lockfiles record (-> that lockfile); such a find is returned with `elsewhere`, not taken.
    """
    videos, foreign = list(videos), foreign or {}
    mine, every = by_tag(v for v in videos if v.video_id not in foreign), by_tag(videos)
    adopted = []
    for job in jobs:
        video = find_job(mine, job, lock.campaign) or find_job(every, job, lock.campaign)
        if video is not None:
            record = adopted_record(job, video, now)
            adopted.append(
                Adoption(job.key, job, video.video_id, video.video_name, record, foreign.get(video.video_id))
            )
    return _with(lock, adopted), adopted


def _renders_of(renders: Iterable[RenderResult], job: Job, owner: str | None) -> list[tuple[RenderResult, int]]:
    """The job's renders and their attempts: by its campaign's tag, or titled exactly in the older form."""
    mine = []
    for render in renders:
        found = title_tag(render.title)
        if found is None:
            continue
        tag, attempt = found
        older = tag == name_tag(job.key) and render.title == render_title(job.name or job.key, job.key, attempt)
        if (
            (owner is not None and tag == name_tag(job.key, owner))
            or older
            or (owner is None and tag == name_tag(job.key))
        ):
            mine.append((render, attempt))
    return mine


def latest_render(
    renders: Iterable[RenderResult], job: Job, owner: str | None = None
) -> tuple[RenderResult, int] | None:
    """The render of the job's latest attempt (by its title), a finished one first; None when none carries its tag."""
    mine = _renders_of(renders, job, owner)
    if not mine:
        return None
    return max(mine, key=lambda pair: (pair[1], pair[0].status == TaskStatus.SUCCEEDED, pair[0].render_id))


def render_record(job: Job, render: RenderResult, attempt: int, now: float, owner: str | None = None) -> JobRecord:
    """The record of a render found by its title: made (or failed) as the provider says, or still rendering."""
    outcome = render_outcome(render)
    owned = owner is not None and tag_in(render.title) == name_tag(job.key, owner)  # else sent in the older form
    record = found_record(
        job,
        JobState.SUBMITTED,
        video_name=render.title,
        task_ids=(render.render_id,),
        attempts=attempt,
        idempotency_key=attempt_key(job.key, attempt, owner if owned else None),
        spend={"adopted": 1},
    )
    if outcome is None:
        return record
    if outcome.succeeded:
        return replace(record, state=JobState.SUCCEEDED, video_ids=outcome.video_ids, finished_at=now)
    error = JobError(str(outcome.error_code), str(outcome.error))
    return replace(record, state=JobState.FAILED, error=error, finished_at=now)


def adopt_renders(
    jobs: Iterable[Job],
    renders: list[RenderResult],
    lock: Lockfile,
    now: float,
    foreign: Mapping[str, str] | None = None,
) -> tuple[Lockfile, list[Adoption]]:
    """Record (in memory) each job's latest render found by its title, unless the lockfile knows that attempt."""
    adopted, foreign = [], foreign or {}
    mine = [r for r in renders if (r.video_id or r.render_id) not in foreign and r.render_id not in foreign]
    for job in jobs:
        found, keyed = None, job
        for keyed in (job, *(replace(job, key=old) for old in job.former_keys)):  # an older release's key too
            found = latest_render(mine, keyed, lock.campaign) or latest_render(renders, keyed, lock.campaign)
            if found is not None:
                break
        known = lock.jobs.get(job.key)
        if found is None or (known is not None and known.attempts >= found[1]):
            continue
        render, attempt = found
        record = render_record(keyed, render, attempt, now, lock.campaign)
        video_id = render.video_id or render.render_id
        elsewhere = foreign.get(video_id) or foreign.get(render.render_id)
        adopted.append(Adoption(job.key, job, video_id, render.title or "", record, elsewhere))
    return _with(lock, adopted), adopted


def account_videos(
    client: object, jobs: list[Job], owner: str, foreign: Mapping[str, str], warn: Callable[[str], None]
) -> tuple[VideoInfo, ...]:
    """The account's avatar videos, read page by page until each job's video is found (execute/scan.py)."""

    def missing(videos: list[VideoInfo]) -> list[Job]:
        mine = by_tag(v for v in videos if v.video_id not in foreign)
        return [job for job in jobs if find_job(mine, job, owner) is None]

    result = account_scan(client, lambda videos: not missing(videos))
    if result.cut:
        warn(cut_warning(result, len(missing(list(result.videos)))))
    return result.videos


def look_up(
    jobs: Iterable[Job],
    client_of: Callable[[str], object],
    lock: Lockfile,
    now: float,
    foreign: Mapping[str, str] | None = None,
    warn: Callable[[str], None] = lambda _: None,
) -> tuple[Lockfile, list[Adoption]]:
    """Ask each provider for its tagged videos (renders by title, avatar videos by name) and adopt them.

    Avatar videos are read page by page, only until every job's is found. Finds of videos another lockfile
    records come back with `elsewhere` set and are not adopted; `warn` hears of a scan cut short by its bound.
    """
    by_provider: dict[str, list[Job]] = {}
    for job in jobs:
        by_provider.setdefault(job.provider, []).append(job)
    adopted: list[Adoption] = []
    for name, group in sorted(by_provider.items()):
        client = client_of(name)
        twins = [job for job in group if kind(job.kind).twin]
        if twins:
            lock, found = adopt_twins(twins, twin_api(client), lock)
            adopted += found
            group = [job for job in group if not kind(job.kind).twin]
            if not group:
                continue
        finder = render_finder(client)
        if finder is not None:
            lock, found = adopt_renders(group, finder.find_renders(TAG_MARK), lock, now, foreign)
        else:
            videos = account_videos(client, group, lock.campaign, foreign or {}, warn)
            lock, found = adopt(group, videos, lock, now, foreign)
        adopted += found
    return lock, adopted


TwinFound = tuple[str, str, str | None]  # group id, look id, consent status


def find_twin(heygen: TwinApi, key: str, group_id: str | None) -> TwinFound | None:
    """(group id, look id, consent status) of the twin carrying `key`'s tag, or None (a worker thread)."""
    tag = TAG_MARK + name_tag(key)
    if group_id is None:
        for group in heygen.list_avatar_groups("private"):
            if str(group.get("name", "")).endswith(tag):
                looks = heygen.list_looks(str(group["id"]))
                look = next((lk for lk in looks if lk.name.endswith(tag)), looks[0] if looks else None)
                return str(group["id"]), look.id if look else "", group.get("consent_status")
        return None
    look = next((lk for lk in heygen.list_looks(group_id) if lk.name.endswith(tag)), None)
    if look is None:
        return None
    return group_id, look.id, heygen.get_avatar_group(group_id).consent_status


def twin_record(job: Job, found: TwinFound) -> JobRecord:
    """The record of a twin found by its tag: made; the engine looks at its group (consent, training) next."""
    group_id, look_id, consent = found
    return found_record(
        job,
        JobState.SUBMITTED,
        task_ids=(group_id,),
        twin={"group_id": group_id, "look_id": look_id, "consent_status": consent},
        waiting="consent",
    )


def adopt_twins(jobs: Iterable[Job], heygen: TwinApi, lock: Lockfile) -> tuple[Lockfile, list[Adoption]]:
    """Record (in memory) each twin job whose twin the account has (by its tag), so none is made twice."""
    adopted = []
    for job in jobs:
        group = job.request.get("group")
        found = find_twin(heygen, job.key, str(group) if group else None)
        if found is not None:
            name = job.name or job.key
            adopted.append(Adoption(job.key, job, found[0], name, twin_record(job, found), noun="digital twin group"))
    return _with(lock, adopted), adopted
