"""TikTok avatar videos: batched creates, batched polls, adoption of lost creates by name tag, renames."""

from __future__ import annotations

import datetime as dt
from functools import partial

from runner import api_facts as facts
from runner.execute import adoption
from runner.execute.drivers.base import DriverBase, DriverParts
from runner.execute.lost_creates import LostCreates
from runner.execute.outcome import avatar_outcome
from runner.execute.pacing import SAMPLES_TO_TRUST
from runner.execute.poll_share import app_qps
from runner.execute.ports import tiktok_api
from runner.execute.runs import JobRun
from runner.execute.scan import videos_by_id
from runner.lock.records import JobRecord
from runner.plan.requests import AvatarRequest
from runner.providers.errors import OutcomeUnknown, PackageRefused, PermanentError
from runner.providers.models import AvatarTask, CreatedTask, VideoInfo
from runner.vocabulary.errors import ErrorCode
from runner.vocabulary.names import tagged_video_name
from runner.vocabulary.states import Event, Phase

ADOPT_SLOWEST_FACTOR = 2.0  # a lost create is looked for until twice the slowest completion seen (at least 5 s)...
ADOPT_MIN_SECONDS = 5.0
LISTING_MARGIN = 86_400.0  # a lost create's listing starts a day before it was sent: the provider's clock may differ
ADOPT_BOUND_FACTOR = (
    3.0  # ...or, before enough were seen, 3 x the documented bound (renders run late; paying twice is worse)
)


class AvatarVideos(DriverBase):
    """Avatar videos: up to 5 packages per create, 5 task ids per poll; a lost create is adopted by its tag."""

    create_batch = facts.MAX_PACKAGES_PER_CREATE
    poll_batch = facts.MAX_TASK_IDS_PER_GET
    urls_renew = True  # a task poll or the video list signs a new URL

    def __init__(self, parts: DriverParts) -> None:
        super().__init__(parts)
        self.lost = LostCreates(app_qps(parts.ports.providers, self.spec.provider))

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
                run.key,
                "reply lost",
                f"looking for the video by its name tag for up to {self.adopt_deadline(run):.0f} s "
                "(the longest render seen) before creating it again",
            )
            self.look_later(run)

    def adopt_deadline(self, run: JobRun) -> float:
        """Seconds after the loss beyond which the provider cannot still be rendering it, as far as anything seen says.

        Completion times seen (this run, and earlier runs through the lockfile) decide; without
        enough of them, a generous multiple of the documented bound.
        """
        if self.pacer.seen >= SAMPLES_TO_TRUST:
            return max(ADOPT_MIN_SECONDS, ADOPT_SLOWEST_FACTOR * self.pacer.longest(self.bound(run)))
        return ADOPT_BOUND_FACTOR * self.bound(run)

    def resume_pending(self, run: JobRun, record: JobRecord) -> None:
        """A create sent by an earlier run whose reply was never recorded: adopt it.

        Its look lasts from now, not from the write-ahead: that runner may have been paused with the
        create on its way (a lease taken over), so the create can reach the provider after this run began.
        """
        run.before = None  # unknown: a rollback after "never happened" leaves no record
        run.phase, run.lost_at = Phase.ADOPTING, self.clock.monotonic()
        self.lost.add(self.avatar(run), run)
        self.scheduler.schedule(run, 0.0)

    @staticmethod
    def avatar(run: JobRun) -> str:
        """The avatar a job's video shows."""
        request = run.request
        assert isinstance(request, AvatarRequest)
        return request.avatar_id

    def look_later(self, run: JobRun) -> None:
        """The next look for a lost create: at its deadline once the provider's speed is known, else growing."""
        self.lost.add(self.avatar(run), run)
        age = self.clock.monotonic() - run.lost_at
        if self.pacer.seen >= SAMPLES_TO_TRUST:
            self.scheduler.schedule(run, max(self.adopt_deadline(run) - age, self.pacer.next(age, self.bound(run))))
        else:
            self.scheduler.schedule(
                run, max(self.pacer.first(self.bound(run)) - age, self.pacer.next(age, self.bound(run)))
            )

    def poll(self, runs: list[JobRun]) -> None:
        """Poll tasks 5 ids per call; lost creates looked for by one listing per avatar, for all of its lost creates."""
        tiktok = tiktok_api(self.client())
        polling = [r for r in runs if r.phase == Phase.POLLING]
        now = self.clock.monotonic()
        by_avatar: dict[str, list[JobRun]] = {}
        for run in runs:
            if run.phase == Phase.ADOPTING:
                by_avatar.setdefault(self.avatar(run), []).append(run)
        for avatar, due in by_avatar.items():
            wait = self.lost.wait(avatar, now)
            if wait > 0:
                for run in due:
                    self.scheduler.schedule(run, wait)
                continue
            self.lost.sent(avatar, now)
            since = self.listed_since([*due, *self.lost.of(avatar)])
            self.scheduler.submit(
                partial(tiktok.list_avatar_videos, avatar_id=avatar, start_date=since),
                self.replies.poll(due, partial(self.looked, avatar, now), partial(self.not_listed, avatar)),
            )
        if polling:
            ids = [self.ledger.task_ids(r)[0] for r in polling]
            self.scheduler.submit(
                partial(tiktok.get_avatar_tasks, ids), self.task_poll(polling, partial(self.polled, polling))
            )

    def listed_since(self, runs: list[JobRun]) -> str | None:
        """The first UTC day a listing must show to hold these creates' videos (None: every day).

        A video is made after its create was written ahead, so an account's years of videos need not be paged
        through to find this run's; a create whose sending time is not recorded lists them all.
        """
        sent = [record.submitted_at if (record := self.ledger.record(run.key)) else None for run in runs]
        if not sent or None in sent:
            return None
        earliest = min(t for t in sent if t is not None) - LISTING_MARGIN
        return dt.datetime.fromtimestamp(max(0.0, earliest), dt.UTC).date().isoformat()

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

    def not_listed(self, avatar: str, exc: BaseException) -> bool:
        """A listing failed: the avatar may be listed again (the runs look again as any failed poll)."""
        self.lost.answered(avatar, self.clock.monotonic(), 0)
        return False

    def looked(self, avatar: str, sent: float, videos: list[VideoInfo]) -> None:
        """For every lost create of the avatar: adopt its tagged video, or past its deadline, conclude.

        The tag is the one each create was sent with; a video another lockfile records is not this job's.
        """
        self.lost.answered(avatar, self.clock.monotonic(), len(videos))
        tagged = adoption.by_tag([v for v in videos if v.video_id not in self.options.foreign_videos])
        for run in self.lost.of(avatar):
            if run.phase != Phase.ADOPTING:
                self.lost.drop(avatar, run)
            elif run.lost_at <= sent or run.concluding is not None:
                tag = adoption.sent_tag(self.ledger.record(run.key), run.key, self.owner)
                self.concluded(avatar, run, tagged.get(tag), sent - run.lost_at)

    def concluded(self, avatar: str, run: JobRun, video: VideoInfo | None, age: float) -> None:
        """What one listing sent `age` seconds after the loss says of a lost create."""
        if video is not None:
            self.lost.drop(avatar, run)
            if video.preview_url:
                run.preview[video.video_id] = video.preview_url
                self.downloads.video(run.key, video.video_id, video.preview_url)
            self.ledger.succeed(run, Event.ADOPTED, (video.video_id,), video_name=video.video_name)
            self.reporter.job_event(run.key, "adopted", f"video {video.video_id} found by its name tag; not paid again")
            return
        if run.concluding is not None:  # the provider forgot the task and no video carries its tag
            self.lost.drop(avatar, run)
            self.ledger.fail(run, Event.TASK_LOST, ErrorCode.TASK_LOST, run.concluding)
            return
        if age < self.adopt_deadline(run):
            if not run.timer:  # a look that was due: the next one (the others keep theirs)
                self.look_later(run)
            return
        self.lost.drop(avatar, run)
        if self.ledger.never_happened(run, "its create's reply was lost and no video carries its tag"):
            self.reporter.job_event(
                run.key, "not found", f"no video carries its tag after the provider's longest render; {run.lost_again}"
            )
            self.replies.again(run)

    def conclude_lost(self, run: JobRun, message: str) -> None:
        """The provider forgot the task: look once for the video by its name tag, else the job fails."""
        run.concluding, run.phase = message, Phase.ADOPTING
        self.lost.add(self.avatar(run), run)
        self.reporter.job_event(run.key, "task lost", f"{message}; looking for the video by its name tag")
        self.scheduler.schedule(run, 0.0)

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
        new_name = tagged_video_name(job.name or key, key, owner=self.owner)  # cut as on create
        video_id = record.video_ids[0]
        elsewhere = self.options.foreign_videos.get(video_id)
        if elsewhere is not None:  # recorded twice (adopted across campaigns by an older release): rename neither
            self.reporter.job_event(
                key, "not renamed", f"video {video_id} is also recorded by {elsewhere}; forget it in one of the two"
            )
            return

        def renamed(_: None) -> None:
            self.ledger.rename(key, name=job.name, video_name=new_name)
            self.reporter.job_event(key, "renamed", new_name)

        def failed(exc: BaseException) -> None:
            self.ledger.rename_failures[key] = str(exc)
            self.reporter.job_event(key, "rename failed", str(exc))

        self.scheduler.submit(partial(tiktok.rename_video, video_id, new_name), self.replies.route(renamed, failed))

    def fresh_urls(self, record: JobRecord) -> list[tuple[str, str]]:
        """From its task, or, for an adopted video (no task), from the video list."""
        tiktok = tiktok_api(self.client())
        if record.task_ids:
            tasks = tiktok.get_avatar_tasks(list(record.task_ids))
            return [(t.video_id, t.preview_url) for t in tasks if t.video_id and t.preview_url]
        videos = videos_by_id(tiktok, record.video_ids)
        return [(v.video_id, v.preview_url) for v in videos if v.video_id in record.video_ids and v.preview_url]
