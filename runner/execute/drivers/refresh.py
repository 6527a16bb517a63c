"""Refresh tasks over uploaded videos: one create at a time within the pacing window, polled 5 ids per call."""

from __future__ import annotations

from functools import partial

from runner import api_facts as facts
from runner.execute.capabilities import RefreshPacing
from runner.execute.drivers.base import SOON, DriverBase, DriverParts
from runner.execute.outcome import refresh_outcome
from runner.execute.ports import tiktok_api
from runner.execute.runs import JobRun
from runner.lock.records import JobRecord
from runner.plan.requests import RefreshRequest
from runner.providers.errors import OutcomeUnknown, PermanentError
from runner.providers.models import RefreshTask
from runner.vocabulary.states import Event, JobState, Phase

MIN_WAIT = 0.01  # seconds: the shortest look-again while a create waits for its window


class RefreshVideos(DriverBase):
    """Refresh videos: a lost create reply cannot be matched (no name), so re-creating waits for consent."""

    poll_batch = facts.MAX_TASK_IDS_PER_GET

    def __init__(self, parts: DriverParts) -> None:
        super().__init__(parts)
        self.reuploaded: set[str] = set()  # uploads sent again in this run after the provider forgot them
        self.unknown_left = self.options.unknown_allowance  # lost creates the spec lets this run pay again

    def _pacing(self) -> RefreshPacing | None:
        client = self.parts.ports.providers.client(self.spec.provider)
        return client if isinstance(client, RefreshPacing) else None

    def can_create(self) -> bool:
        """Only when the pacing window has a slot now: a create never waits for its slot after its write-ahead."""
        if not self.has_client() or self.scheduler.creates_in_flight[self.kind]:
            return False
        pacing = self._pacing()
        return pacing is None or pacing.refresh_create_ready_in() <= 0

    def create_ready_in(self) -> float:
        """When the pacing window has its next slot."""
        pacing = self._pacing()
        return max(MIN_WAIT, float(pacing.refresh_create_ready_in())) if pacing is not None else SOON

    def create(self, runs: list[JobRun]) -> None:
        """Write ahead (keeping the videos of earlier paid tasks), then send."""
        tiktok = tiktok_api(self.client())
        run = runs[0]
        request = run.request
        assert isinstance(request, RefreshRequest)
        upload = self.ledger.record(request.upload_job)
        assert upload is not None and upload.stock_video_id
        record = self.ledger.record(run.key)
        self.ledger.write_ahead(run, keep_videos=True)
        if record is not None and record.state == JobState.PENDING:
            self.reporter.job_event(
                run.key, "re-created", "the earlier create's outcome is unknown; paid again as agreed"
            )
        self.ledger.flush()
        self.scheduler.submit(
            partial(tiktok.create_refresh_task, upload.stock_video_id, list(request.strategies), request.add_hook),
            self.replies.create(runs, partial(self.created, run), partial(self.lost, run), partial(self.refused, run)),
            create=self.kind,
        )

    def created(self, run: JobRun, task_ids: list[str]) -> None:
        """Record the task ids, then poll."""
        ids = tuple(str(t) for t in task_ids)
        self.ledger.accept(run, ids, videos=len(ids))
        self.reporter.job_event(run.key, "created", f"tasks {', '.join(ids)}")
        self.first_poll(run)

    def lost(self, run: JobRun, exc: OutcomeUnknown) -> None:
        """A lost reply leaves the job pending for the user to decide, unless the spec lets the run pay again."""
        self.ledger.note(run, Event.REPLY_LOST)
        if self.may_pay_again(run):
            self.replies.again(run)
            return
        run.phase = Phase.ASKING
        self.reporter.job_event(run.key, "reply lost", "the refresh may exist in the account; see `campaign plan`")

    def may_pay_again(self, run: JobRun) -> bool:
        """Whether `apply.retry_unknown` covers re-creating this pending refresh (one of its N, within max_retries)."""
        record = self.ledger.record(run.key)
        if self.unknown_left <= 0 or record is None or record.attempts > self.options.max_retries:
            return False
        self.unknown_left -= 1
        self.reporter.job_event(
            run.key,
            "reply lost",
            f"the refresh may exist in the account; re-created as apply.retry_unknown allows ({self.unknown_left} left)",
        )
        return True

    def refused(self, run: JobRun, exc: BaseException) -> bool:
        """Refused because the provider lost the uploaded stock video: upload it again (once per run), then create."""
        request = run.request
        assert isinstance(request, RefreshRequest)
        upload_key = request.upload_job
        if not isinstance(exc, PermanentError) or "video_id" not in exc.message or upload_key in self.reuploaded:
            return False
        self.reuploaded.add(upload_key)
        self.ledger.roll_back(run, Event.SOURCE_FORGOTTEN)
        self.ledger.source_forgotten(upload_key)
        upload_run = self.graph.run_for(upload_key)
        self.reporter.job_event(upload_key, "source forgotten", f"{exc.message}; uploading it again")
        run.phase, run.unmet = Phase.WAITING, 0
        self.graph.wait_for(run, upload_key)
        self.scheduler.make_ready(upload_run)
        return True

    def poll(self, runs: list[JobRun]) -> None:
        """Poll up to 5 task ids per call; a job's tasks (at most 4) are never split."""
        batch: list[JobRun] = []
        ids: list[str] = []
        for run in runs:
            mine = list(self.ledger.task_ids(run))
            if batch and len(ids) + len(mine) > facts.MAX_TASK_IDS_PER_GET:
                self._send_poll(batch, ids)
                batch, ids = [], []
            batch.append(run)
            ids += mine
        if batch:
            self._send_poll(batch, ids)

    def _send_poll(self, runs: list[JobRun], ids: list[str]) -> None:
        tiktok = tiktok_api(self.client())
        self.scheduler.submit(partial(tiktok.get_refresh_tasks, ids), self.task_poll(runs, partial(self.polled, runs)))

    def polled(self, runs: list[JobRun], tasks: list[RefreshTask]) -> None:
        """Finish a job once all of its tasks have finished."""
        by_id = {t.task_id: t for t in tasks}
        for run in runs:
            mine = [by_id.get(t) for t in self.ledger.task_ids(run)]
            if any(t is None for t in mine) and self.tasks_missing(run):
                continue
            if all(t is not None for t in mine):
                run.missing = 0
            outcome = refresh_outcome(mine)
            if outcome is None:
                self.poll_again(run)
            else:
                self.finish(run, outcome)

    def resume_pending(self, run: JobRun, record: JobRecord) -> None:
        """A pending refresh cannot be matched to its request: re-create only with consent."""
        run.before = record
        if self.options.retry_unknown or self.may_pay_again(run):
            self.scheduler.make_ready(run)
            return
        run.phase = Phase.ASKING
        self.reporter.job_event(
            run.key,
            "waiting",
            "pending refresh: re-creating it pays again; pass --retry-unknown (or set apply.retry_unknown) to re-create it",
        )

    def fresh_urls(self, record: JobRecord) -> list[tuple[str, str]]:
        """From its tasks, 5 ids per call."""
        tiktok = tiktok_api(self.client())
        pairs = []
        for i in range(0, len(record.task_ids), facts.MAX_TASK_IDS_PER_GET):
            chunk = list(record.task_ids[i : i + facts.MAX_TASK_IDS_PER_GET])
            pairs += [
                (t.video_id, t.preview_url) for t in tiktok.get_refresh_tasks(chunk) if t.video_id and t.preview_url
            ]
        return pairs
