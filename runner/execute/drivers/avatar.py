"""TikTok avatar videos: batched creates, batched polls, adoption of lost creates by name tag, renames."""

from __future__ import annotations

from functools import partial

from runner import api_facts as facts
from runner.execute import adoption
from runner.execute.drivers.base import DriverBase
from runner.execute.outcome import avatar_outcome
from runner.execute.pacing import SAMPLES_TO_TRUST
from runner.execute.ports import tiktok_api
from runner.execute.runs import JobRun
from runner.lock.records import JobRecord
from runner.plan.requests import AvatarRequest
from runner.providers.errors import OutcomeUnknown, PackageRefused, PermanentError
from runner.providers.models import AvatarTask, CreatedTask, VideoInfo
from runner.vocabulary.names import tagged_video_name
from runner.vocabulary.states import Event, Phase

ADOPT_SLOWEST_FACTOR = 2.0  # a lost create is looked for until twice the slowest completion seen (at least 5 s)...
ADOPT_MIN_SECONDS = 5.0
ADOPT_BOUND_FACTOR = (
    3.0  # ...or, before enough were seen, 3 x the documented bound (renders run late; paying twice is worse)
)


class AvatarVideos(DriverBase):
    """Avatar videos: up to 5 packages per create, 5 task ids per poll; a lost create is adopted by its tag."""

    create_batch = facts.MAX_PACKAGES_PER_CREATE
    poll_batch = facts.MAX_TASK_IDS_PER_GET

    def bound(self, run: JobRun) -> float:
        """By script length."""
        return facts.avatar_processing_bound(len(str(run.job.request.get("script", ""))))

    def create(self, runs: list[JobRun]) -> None:
        """Write ahead every package, then send them in one call (a job whose batch was refused blindly goes alone)."""
        alone = next((run for run in runs if run.alone), None)
        if alone is not None and len(runs) > 1:
            for run in runs:
                if run is not alone:
                    self.scheduler.make_ready(run)
            runs = [alone]
        tiktok = tiktok_api(self.client())
        packages = []
        for run in runs:
            request = run.request
            assert isinstance(request, AvatarRequest)
            self.ledger.write_ahead(run, video_name=request.video_name)
            packages.append(request.package(run.key))
        self.ledger.flush()
        self.scheduler.submit(
            partial(tiktok.create_avatar_videos, packages),
            self.replies.create(
                runs, partial(self.created, runs), partial(self.lost_all, runs), partial(self.batch_refused, runs)
            ),
            create=self.kind,
        )

    def batch_refused(self, runs: list[JobRun], exc: BaseException) -> bool:
        """A refusal of several packages fails only the one the provider named; the others had no effect and go
        again (each on its own when it named none)."""
        if not isinstance(exc, PackageRefused) or len(runs) < 2:
            return False
        for position, run in enumerate(runs):
            if position == exc.package:
                self.ledger.refuse(run, exc)
                continue
            self.ledger.roll_back(run, Event.NOT_SENT)
            run.alone = run.alone or exc.package is None
            why = "on its own: the refusal named no package" if run.alone else "without the package it named"
            self.reporter.job_event(run.key, "batch refused", f"{exc.code} {exc.message}; sending it again {why}")
            self.scheduler.make_ready(run)
        return True

    def created(self, runs: list[JobRun], tasks: list[CreatedTask]) -> None:
        """Record task ids; a package the reply refused fails for good."""
        by_package = {t.package_id: t for t in tasks}
        for run in runs:
            created = by_package.get(run.key)
            if created is None or not created.task_id:
                said = facts.without_package_position(created.error_msg) if created and created.error_msg else None
                reason = said or "the provider returned no task for this package"
                self.ledger.refuse(run, PermanentError(self.spec.provider, "create", "CREATE", reason))
                continue
            self.ledger.accept(run, (created.task_id,), videos=1)
            self.reporter.job_event(run.key, "created", f"task {created.task_id}")
            self.first_poll(run)

    def lost_all(self, runs: list[JobRun], exc: OutcomeUnknown) -> None:
        """The create may have happened: look for each video by its name tag, from soon on."""
        for run in runs:
            self.ledger.note(run, Event.REPLY_LOST)
            run.phase, run.lost_at = Phase.ADOPTING, self.clock.monotonic()
            self.reporter.job_event(
                run.key, "reply lost", "looking for the video by its name tag before creating it again"
            )
            self.scheduler.schedule(run, self.pacer.first(self.bound(run)))

    def adopt_deadline(self, run: JobRun) -> float:
        """Seconds after the loss beyond which the provider cannot still be rendering it, as far as anything seen says.

        Completion times seen (this run, and earlier runs through the lockfile) decide; without
        enough of them, a generous multiple of the documented bound.
        """
        if self.pacer.seen >= SAMPLES_TO_TRUST:
            return max(ADOPT_MIN_SECONDS, ADOPT_SLOWEST_FACTOR * self.pacer.longest(self.bound(run)))
        return ADOPT_BOUND_FACTOR * self.bound(run)

    def resume_pending(self, run: JobRun, record: JobRecord) -> None:
        """A create sent by an earlier run whose reply was never recorded: adopt it."""
        run.before = None  # unknown: a rollback after "never happened" leaves no record
        elapsed = max(0.0, self.clock.time() - (record.submitted_at or self.clock.time()))
        run.phase, run.lost_at = Phase.ADOPTING, self.clock.monotonic() - elapsed
        self.scheduler.schedule(run, 0.0)

    def poll(self, runs: list[JobRun]) -> None:
        """Poll tasks 5 ids per call; adoption look-ups one avatar at a time."""
        tiktok = tiktok_api(self.client())
        polling = [r for r in runs if r.phase == Phase.POLLING]
        for run in runs:
            if run.phase == Phase.ADOPTING:
                request = run.request
                assert isinstance(request, AvatarRequest)
                self.scheduler.submit(
                    partial(tiktok.list_avatar_videos, avatar_id=request.avatar_id),
                    self.replies.poll([run], partial(self.looked, run)),
                )
        if polling:
            ids = [self.ledger.task_ids(r)[0] for r in polling]
            self.scheduler.submit(
                partial(tiktok.get_avatar_tasks, ids), self.replies.poll(polling, partial(self.polled, polling))
            )

    def polled(self, runs: list[JobRun], tasks: list[AvatarTask]) -> None:
        """Record finished tasks; look again at the others."""
        by_id = {t.task_id: t for t in tasks}
        for run in runs:
            task = by_id.get(self.ledger.task_ids(run)[0])
            if task is None and self.tasks_missing(run):
                continue
            if task is not None:
                run.missing = 0
            outcome = avatar_outcome(task)
            if outcome is None:
                self.poll_again(run)
                continue
            record = self.ledger.record(run.key)
            video_name = (task.video_name if task else None) or (record.video_name if record else None)
            self.finish(run, outcome, video_name=video_name)

    def looked(self, run: JobRun, videos: list[VideoInfo]) -> None:
        """Adopt the video carrying the job's tag; conclude "never happened" only past the deadline."""
        video = adoption.find(adoption.by_tag(videos), run.key)
        if video is not None:
            if video.preview_url:
                run.preview[video.video_id] = video.preview_url
                self.downloads.video(run.key, video.video_id, video.preview_url)
            self.ledger.succeed(run, Event.ADOPTED, (video.video_id,), video_name=video.video_name)
            self.reporter.job_event(run.key, "adopted", f"video {video.video_id} found by its name tag; not paid again")
            return
        age = self.clock.monotonic() - run.lost_at
        if age < self.adopt_deadline(run):
            self.scheduler.schedule(run, self.pacer.next(age, self.bound(run)))
            return
        self.ledger.roll_back(run, Event.NEVER_HAPPENED)
        self.reporter.job_event(
            run.key, "not found", "no video carries its tag after the provider's longest render; creating it"
        )
        self.scheduler.make_ready(run)

    # --- names and URLs ------------------------------------------------------------------------
    def after_success(self, run: JobRun) -> None:
        """Renamed in the spec while in flight: the provider's name follows now."""
        if run.rename:
            self.rename(run.key)

    def rename(self, key: str) -> None:
        """Give the finished video the job's current name (keeping the adoption tag)."""
        record = self.ledger.record(key)
        job = self.graph.jobs[key]
        if record is None or not record.video_ids or not self.has_client():
            super().rename(key)
            return
        tiktok = tiktok_api(self.client())
        new_name = tagged_video_name(job.name or key, key, limit=facts.RENAME_MAX_CHARS)
        video_id = record.video_ids[0]

        def renamed(_: None) -> None:
            self.ledger.amend(key, name=job.name, video_name=new_name)
            self.reporter.job_event(key, "renamed", new_name)

        def failed(exc: BaseException) -> None:
            self.reporter.job_event(key, "rename failed", str(exc))

        self.scheduler.submit(partial(tiktok.rename_video, video_id, new_name), self.replies.route(renamed, failed))

    def fresh_urls(self, record: JobRecord) -> list[tuple[str, str]]:
        """From its task, or, for an adopted video (no task), from the video list."""
        tiktok = tiktok_api(self.client())
        if record.task_ids:
            tasks = tiktok.get_avatar_tasks(list(record.task_ids))
            return [(t.video_id, t.preview_url) for t in tasks if t.video_id and t.preview_url]
        videos = tiktok.list_avatar_videos()
        return [(v.video_id, v.preview_url) for v in videos if v.video_id in record.video_ids and v.preview_url]
