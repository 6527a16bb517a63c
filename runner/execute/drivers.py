"""One driver per job kind: how its creates, polls and resumes go, behind one small protocol."""

from __future__ import annotations

import concurrent.futures as cf
from functools import partial
from typing import Any, Protocol

from runner import api_facts as facts
from runner.execute import adoption
from runner.execute.context import Context, JobRun
from runner.execute.outcome import Outcome, avatar_outcome, heygen_outcome, refresh_outcome
from runner.execute.pacing import SAMPLES_TO_TRUST
from runner.execute.requests import AvatarRequest, HeyGenRequest, RefreshRequest, UploadRequest
from runner.execute.twins import HeyGenTwins
from runner.lock.lockfile import JobRecord
from runner.providers.errors import OutcomeUnknown, PermanentError
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.states import Event, JobState, Phase

LOST_AFTER_MISSES = 3  # polls in a row that leave a task out before it counts as forgotten by the provider
ADOPT_SLOWEST_FACTOR = 2.0  # a lost create is looked for until twice the slowest completion seen (at least 5 s)...
ADOPT_MIN_SECONDS = 5.0
ADOPT_BOUND_FACTOR = (
    3.0  # ...or, before enough were seen, 3 x the documented bound (renders run late; paying twice is worse)
)


class Driver(Protocol):
    """What the scheduler asks of a kind."""

    kind: JobKind
    create_batch: int  # ready jobs per create call
    poll_batch: int  # due jobs per poll call

    def bound(self, run: JobRun) -> float:
        """The documented processing bound of the job's tasks (seconds)."""

    def can_create(self, ctx: Context) -> bool:
        """Whether a create may go out now (pacing windows, concurrency caps)."""

    def create(self, ctx: Context, runs: list[JobRun]) -> None:
        """Write ahead and send one create for these ready jobs."""

    def poll(self, ctx: Context, runs: list[JobRun]) -> None:
        """Look at due jobs (polls, adoption look-ups)."""

    def resume(self, ctx: Context, run: JobRun, record: JobRecord) -> None:
        """Continue a job the lockfile left `pending`."""


def observe(ctx: Context, driver: Driver, run: JobRun) -> None:
    """Feed a finished task's time into the pacer of its kind."""
    if run.accepted_at:
        ctx.pacers[driver.kind].observe(ctx.clock.monotonic() - run.accepted_at, driver.bound(run))


def poll_again(ctx: Context, driver: Driver, run: JobRun) -> None:
    """Schedule the next look at an unfinished task."""
    age = ctx.clock.monotonic() - run.accepted_at
    ctx.schedule(run, ctx.pacers[driver.kind].next(age, driver.bound(run)))


def first_poll(ctx: Context, driver: Driver, run: JobRun) -> None:
    """Schedule the first look after a create."""
    ctx.schedule(run, ctx.pacers[driver.kind].first(driver.bound(run)))


def finish(ctx: Context, driver: Driver, run: JobRun, outcome: Outcome, **fields: Any) -> None:
    """Record a finished job (videos of failed refresh tasks' siblings are kept: they were paid for)."""
    observe(ctx, driver, run)
    record = ctx.journal.record(run.job.key)
    earlier = tuple(v for v in (record.video_ids if record else ()) if v not in outcome.video_ids)
    video_ids = earlier + outcome.video_ids
    for video_id, url in outcome.urls:
        run.preview[video_id] = url
        ctx.queue_download(run.job.key, video_id, url)
    if outcome.succeeded:
        ctx.succeed(run, Event.TASK_SUCCEEDED, video_ids, **fields)
        if run.rename and run.kind == JobKind.AVATAR_VIDEO:
            ctx.rename(run.job.key)
    else:
        ctx.fail(run, Event.TASK_FAILED, str(outcome.error_code), str(outcome.error), video_ids=video_ids)


def tasks_missing(ctx: Context, run: JobRun) -> bool:
    """Count a poll that left the job's tasks out; True once the provider has clearly forgotten them."""
    run.missing += 1
    if run.missing < LOST_AFTER_MISSES:
        return False
    record = ctx.journal.record(run.job.key)
    ids = ", ".join(record.task_ids) if record else ""
    ctx.fail(
        run, Event.TASK_LOST, "TASK_LOST", f"the provider no longer knows task {ids}; the next apply creates it again"
    )
    return True


class AvatarVideos:
    """TikTok avatar videos: batched creates, batched polls, adoption of lost creates by name tag."""

    kind = JobKind.AVATAR_VIDEO
    create_batch = facts.MAX_PACKAGES_PER_CREATE
    poll_batch = facts.MAX_TASK_IDS_PER_GET

    def bound(self, run: JobRun) -> float:
        """By script length."""
        assert isinstance(run.request, AvatarRequest)
        return facts.avatar_processing_bound(len(run.request.script))

    def can_create(self, ctx: Context) -> bool:
        """The client paces the app's rate."""
        return ctx.providers.tiktok is not None

    def create(self, ctx: Context, runs: list[JobRun]) -> None:
        """Write ahead every package, then send them in one call."""
        tiktok = ctx.providers.tiktok
        assert tiktok is not None
        packages = []
        for run in runs:
            assert isinstance(run.request, AvatarRequest)
            ctx.write_ahead(run, video_name=run.request.video_name)
            packages.append(run.request.package(run.job.key))
        ctx.journal.flush()
        ctx.submit(partial(tiktok.create_avatar_videos, packages), partial(self.created, ctx, runs), create=self.kind)

    def created(self, ctx: Context, runs: list[JobRun], future: cf.Future[Any]) -> None:
        """Record task ids, or adopt when the reply was lost."""
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            for run in runs:
                self.lost(ctx, run)
            return
        if exc is not None:
            ctx.create_failed(runs, exc)
            return
        ctx.budget.answered()
        by_package = {t.package_id: t for t in future.result()}
        for run in runs:
            created = by_package.get(run.job.key)
            if created is None or not created.task_id:
                ctx.refuse(
                    run,
                    PermanentError(
                        "tiktok",
                        "create",
                        "CREATE",
                        (created.error_msg if created else None) or "the provider returned no task for this package",
                    ),
                )
                continue
            ctx.videos_created += 1
            ctx.accept(run, (created.task_id,))
            ctx.reporter.job_event(run.job.key, "created", f"task {created.task_id}")
            first_poll(ctx, self, run)

    def lost(self, ctx: Context, run: JobRun) -> None:
        """The create may have happened: look for its video by name tag, from soon on."""
        ctx.note(run, Event.REPLY_LOST)
        run.phase, run.lost_at = Phase.ADOPTING, ctx.clock.monotonic()
        ctx.reporter.job_event(
            run.job.key, "reply lost", "looking for the video by its name tag before creating it again"
        )
        ctx.schedule(run, ctx.pacers[self.kind].first(self.bound(run)))

    def adopt_deadline(self, ctx: Context, run: JobRun) -> float:
        """Seconds after the loss beyond which the provider cannot still be rendering it, as far as anything seen says.

        Completion times seen (this run, and earlier runs through the lockfile) decide; without
        enough of them, a generous multiple of the documented bound.
        """
        pacer = ctx.pacers[self.kind]
        if pacer.seen >= SAMPLES_TO_TRUST:
            return max(ADOPT_MIN_SECONDS, ADOPT_SLOWEST_FACTOR * pacer.longest(self.bound(run)))
        return ADOPT_BOUND_FACTOR * self.bound(run)

    def resume(self, ctx: Context, run: JobRun, record: JobRecord) -> None:
        """A create sent by an earlier run whose reply was never recorded: adopt it."""
        run.before = None  # unknown: a rollback after "never happened" leaves no record
        elapsed = max(0.0, ctx.clock.time() - (record.submitted_at or ctx.clock.time()))
        run.phase, run.lost_at = Phase.ADOPTING, ctx.clock.monotonic() - elapsed
        ctx.schedule(run, 0.0)

    def poll(self, ctx: Context, runs: list[JobRun]) -> None:
        """Poll tasks 5 ids per call; adoption look-ups one avatar at a time."""
        tiktok = ctx.providers.tiktok
        assert tiktok is not None
        polling = [r for r in runs if r.phase == Phase.POLLING]
        for run in runs:
            if run.phase == Phase.ADOPTING:
                assert isinstance(run.request, AvatarRequest)
                ctx.submit(
                    partial(tiktok.list_avatar_videos, avatar_id=run.request.avatar_id), partial(self.looked, ctx, run)
                )
        if polling:
            ids = [ctx.task_ids(r)[0] for r in polling]
            ctx.submit(partial(tiktok.get_avatar_tasks, ids), partial(self.polled, ctx, polling))

    def polled(self, ctx: Context, runs: list[JobRun], future: cf.Future[Any]) -> None:
        """Record finished tasks; look again at the others."""
        exc = future.exception()
        if exc is not None:
            ctx.poll_failed(runs, exc)
            return
        ctx.budget.answered()
        tasks = {t.task_id: t for t in future.result()}
        for run in runs:
            task = tasks.get(ctx.task_ids(run)[0])
            if task is None and tasks_missing(ctx, run):
                continue
            if task is not None:
                run.missing = 0
            outcome = avatar_outcome(task)
            if outcome is None:
                poll_again(ctx, self, run)
            else:
                record = ctx.journal.record(run.job.key)
                finish(
                    ctx,
                    self,
                    run,
                    outcome,
                    video_name=(task.video_name if task else None) or (record.video_name if record else None),
                )

    def looked(self, ctx: Context, run: JobRun, future: cf.Future[Any]) -> None:
        """Adopt the video carrying the job's tag; conclude "never happened" only past the deadline."""
        exc = future.exception()
        if exc is not None:
            ctx.poll_failed([run], exc)
            return
        ctx.budget.answered()
        video = adoption.find(adoption.by_tag(future.result()), run.job.key)
        if video is not None:
            if video.preview_url:
                run.preview[video.video_id] = video.preview_url
                ctx.queue_download(run.job.key, video.video_id, video.preview_url)
            ctx.succeed(run, Event.ADOPTED, (video.video_id,), video_name=video.video_name)
            ctx.reporter.job_event(
                run.job.key, "adopted", f"video {video.video_id} found by its name tag; not paid again"
            )
            return
        age = ctx.clock.monotonic() - run.lost_at
        if age < self.adopt_deadline(ctx, run):
            ctx.schedule(run, ctx.pacers[self.kind].next(age, self.bound(run)))
            return
        ctx.roll_back(run, Event.NEVER_HAPPENED)
        ctx.reporter.job_event(
            run.job.key, "not found", "no video carries its tag after the provider's longest render; creating it"
        )
        ctx.make_ready(run)


class Uploads:
    """Stock-video uploads by URL (free: a lost reply is simply sent again)."""

    kind = JobKind.UPLOAD
    create_batch = 1
    poll_batch = 1

    def bound(self, run: JobRun) -> float:
        """Uploads finish in their reply."""
        return facts.UPLOAD_TIMEOUT_SECONDS

    def can_create(self, ctx: Context) -> bool:
        """The client paces the app's rate."""
        return ctx.providers.tiktok is not None

    def create(self, ctx: Context, runs: list[JobRun]) -> None:
        """Upload the source by a fresh URL (signed URLs are never stored)."""
        tiktok = ctx.providers.tiktok
        assert tiktok is not None
        run = runs[0]
        assert isinstance(run.request, UploadRequest)
        url, source_job = run.request.url, run.request.source_job
        cached = ctx.runs[source_job].preview if source_job in ctx.runs else {}
        ctx.write_ahead(run)
        ctx.journal.flush()

        def upload() -> str:
            source_url = url
            if source_url is None:
                assert source_job is not None
                source = ctx.journal.record(source_job)
                assert source is not None and source.video_ids
                source_url = cached.get(source.video_ids[0]) or ctx.fresh_url(source_job, source)
            return tiktok.upload_video_by_url(source_url)

        ctx.submit(upload, partial(self.uploaded, ctx, run), create=self.kind)

    def uploaded(self, ctx: Context, run: JobRun, future: cf.Future[Any]) -> None:
        """Record the stock video id."""
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            ctx.roll_back(run, Event.NOT_SENT)  # free, and makes nothing: send it again
            ctx.make_ready(run)
            ctx.budget.failed(exc)
            return
        if exc is not None:
            ctx.create_failed([run], exc)
            return
        ctx.budget.answered()
        ctx.accept(run, ())
        ctx.succeed(run, Event.TASK_SUCCEEDED, (), stock_video_id=str(future.result()))

    def poll(self, ctx: Context, runs: list[JobRun]) -> None:
        """Nothing to poll."""

    def resume(self, ctx: Context, run: JobRun, record: JobRecord) -> None:
        """An upload whose reply was lost: upload again."""
        ctx.journal.put(run.job.key, None)
        run.before = None
        ctx.make_ready(run)


class RefreshVideos:
    """Refresh tasks: one create at a time (1 QPS, 5 QPM), polled 5 ids per call."""

    kind = JobKind.REFRESH_VIDEO
    create_batch = 1
    poll_batch = facts.MAX_TASK_IDS_PER_GET

    def bound(self, run: JobRun) -> float:
        """\"Usually within one minute\"."""
        return facts.REFRESH_PROCESSING_SECONDS

    def can_create(self, ctx: Context) -> bool:
        """Only when the pacing window has a slot now: a create never waits for its slot after its write-ahead."""
        tiktok = ctx.providers.tiktok
        if tiktok is None or ctx.creates_in_flight[self.kind]:
            return False
        ready_in = getattr(tiktok, "refresh_create_ready_in", None)
        return ready_in is None or ready_in() <= 0

    def create(self, ctx: Context, runs: list[JobRun]) -> None:
        """Write ahead, then send."""
        tiktok = ctx.providers.tiktok
        assert tiktok is not None
        run = runs[0]
        request = run.request
        assert isinstance(request, RefreshRequest)
        upload = ctx.journal.record(request.upload_job)
        assert upload is not None and upload.stock_video_id
        record = ctx.journal.record(run.job.key)
        ctx.write_ahead(run, Event.SEND)
        if record is not None and record.state == JobState.PENDING:
            ctx.reporter.job_event(
                run.job.key, "re-created", "the earlier create's outcome is unknown; paid again as agreed"
            )
        ctx.journal.flush()
        stock = upload.stock_video_id
        ctx.submit(
            partial(tiktok.create_refresh_task, stock, list(request.strategies), request.add_hook),
            partial(self.created, ctx, run),
            create=self.kind,
        )

    def created(self, ctx: Context, run: JobRun, future: cf.Future[Any]) -> None:
        """Record the task ids; a lost reply leaves the job pending for the user to decide."""
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            ctx.note(run, Event.REPLY_LOST)
            run.phase = Phase.ASKING
            ctx.finished += 1
            ctx.reporter.job_event(
                run.job.key, "reply lost", "the refresh may exist in the account; see `campaign plan`"
            )
            return
        if isinstance(exc, PermanentError) and ctx.source_forgotten(run, exc):
            return
        if exc is not None:
            ctx.create_failed([run], exc)
            return
        ctx.budget.answered()
        task_ids = tuple(str(t) for t in future.result())
        ctx.videos_created += len(task_ids)
        ctx.accept(run, task_ids)
        ctx.reporter.job_event(run.job.key, "created", f"tasks {', '.join(task_ids)}")
        first_poll(ctx, self, run)

    def poll(self, ctx: Context, runs: list[JobRun]) -> None:
        """Poll up to 5 task ids per call; a job's tasks (at most 4) are never split."""
        tiktok = ctx.providers.tiktok
        assert tiktok is not None
        batch: list[JobRun] = []
        ids: list[str] = []
        for run in runs:
            mine = list(ctx.task_ids(run))
            if batch and len(ids) + len(mine) > facts.MAX_TASK_IDS_PER_GET:
                ctx.submit(partial(tiktok.get_refresh_tasks, ids), partial(self.polled, ctx, batch))
                batch, ids = [], []
            batch.append(run)
            ids += mine
        if batch:
            ctx.submit(partial(tiktok.get_refresh_tasks, ids), partial(self.polled, ctx, batch))

    def polled(self, ctx: Context, runs: list[JobRun], future: cf.Future[Any]) -> None:
        """Finish a job once all of its tasks have finished."""
        exc = future.exception()
        if exc is not None:
            ctx.poll_failed(runs, exc)
            return
        ctx.budget.answered()
        tasks = {t.task_id: t for t in future.result()}
        for run in runs:
            mine = [tasks.get(t) for t in ctx.task_ids(run)]
            if any(t is None for t in mine) and tasks_missing(ctx, run):
                continue
            if all(t is not None for t in mine):
                run.missing = 0
            outcome = refresh_outcome(mine)
            if outcome is None:
                poll_again(ctx, self, run)
            else:
                finish(ctx, self, run, outcome)

    def resume(self, ctx: Context, run: JobRun, record: JobRecord) -> None:
        """A pending refresh cannot be matched to its request: re-create only with consent."""
        run.before = record
        if ctx.options.retry_unknown:
            ctx.make_ready(run)
        else:
            run.phase = Phase.ASKING
            ctx.finished += 1
            ctx.reporter.job_event(
                run.job.key,
                "waiting",
                "pending refresh: re-creating it pays again; pass --retry-unknown to re-create it",
            )


class HeyGenVideos:
    """HeyGen renders: the job key is the Idempotency-Key, so a lost reply is simply sent again."""

    kind = JobKind.HEYGEN_VIDEO
    create_batch = 1
    poll_batch = 1

    def bound(self, run: JobRun) -> float:
        """Undocumented; see api_facts."""
        return facts.HEYGEN_PROCESSING_SECONDS

    def can_create(self, ctx: Context) -> bool:
        """Within the plan tier's concurrent-render cap (across runners when the slots are shared)."""
        busy = len(ctx.rendering[self.kind]) + ctx.creates_in_flight[self.kind]
        if ctx.providers.heygen is None or busy >= ctx.options.heygen_max_in_flight:
            return False
        slots = getattr(ctx.providers.heygen, "render_slots", None)
        return slots is None or slots.busy() < ctx.options.heygen_max_in_flight

    def _slots(self, ctx: Context) -> Any:
        return getattr(ctx.providers.heygen, "render_slots", None)

    def create(self, ctx: Context, runs: list[JobRun]) -> None:
        """Write ahead, then send."""
        heygen = ctx.providers.heygen
        assert heygen is not None
        run = runs[0]
        req = run.request
        assert isinstance(req, HeyGenRequest)
        slots = self._slots(ctx)
        if slots is not None and not slots.hold(run.job.key, ctx.options.heygen_max_in_flight):
            ctx.make_ready(run)  # another runner took the last slot: wait for one to free
            return
        avatar_id = req.avatar_id
        if req.twin_job is not None:  # a digital twin made by this campaign: its look, now that it is ready
            twin = ctx.journal.record(req.twin_job)
            assert twin is not None and twin.twin is not None
            avatar_id = str(twin.twin["look_id"])
        ctx.write_ahead(run)
        ctx.journal.flush()
        ctx.submit(
            partial(
                heygen.create_video,
                avatar_id=avatar_id,
                script=req.script,
                voice_id=req.voice_id,
                aspect_ratio=req.aspect_ratio,
                idempotency_key=run.job.key,
            ),
            partial(self.created, ctx, run),
            create=self.kind,
        )

    def created(self, ctx: Context, run: JobRun, future: cf.Future[Any]) -> None:
        """Record the render id."""
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            ctx.roll_back(run, Event.NOT_SENT)  # the Idempotency-Key makes a repeat safe
            ctx.make_ready(run)
            ctx.budget.failed(exc)
            return
        if exc is not None:
            slots = self._slots(ctx)
            if slots is not None:
                slots.release(run.job.key)
            ctx.create_failed([run], exc)
            return
        ctx.budget.answered()
        ctx.videos_created += 1
        ctx.accept(run, (str(future.result()),))
        ctx.rendering[self.kind].add(run.job.key)
        first_poll(ctx, self, run)

    def poll(self, ctx: Context, runs: list[JobRun]) -> None:
        """One render per call."""
        heygen = ctx.providers.heygen
        assert heygen is not None
        for run in runs:
            ctx.submit(partial(heygen.get_video, ctx.task_ids(run)[0]), partial(self.polled, ctx, run))

    def polled(self, ctx: Context, run: JobRun, future: cf.Future[Any]) -> None:
        """Record a finished render."""
        exc = future.exception()
        slots = self._slots(ctx)
        if isinstance(exc, PermanentError) and exc.http_status == 404:
            ctx.rendering[self.kind].discard(run.job.key)
            if slots is not None:
                slots.release(run.job.key)
            ctx.fail(run, Event.TASK_LOST, "TASK_LOST", f"HeyGen no longer knows render {ctx.task_ids(run)[0]}")
            return
        if exc is not None:
            ctx.poll_failed([run], exc)
            return
        ctx.budget.answered()
        outcome = heygen_outcome(future.result())
        if outcome is None:
            if slots is not None:
                slots.hold(run.job.key, ctx.options.heygen_max_in_flight)  # renew: still rendering
            poll_again(ctx, self, run)
        else:
            ctx.rendering[self.kind].discard(run.job.key)
            if slots is not None:
                slots.release(run.job.key)
            finish(ctx, self, run, outcome)

    def resume(self, ctx: Context, run: JobRun, record: JobRecord) -> None:
        """Send again with the same Idempotency-Key."""
        run.before = None
        ctx.make_ready(run)


DRIVERS: dict[JobKind, Driver] = {
    d.kind: d for d in (AvatarVideos(), Uploads(), RefreshVideos(), HeyGenVideos(), HeyGenTwins())
}
