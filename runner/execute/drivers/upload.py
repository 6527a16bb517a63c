"""Stock-video uploads by URL: free, so a lost reply is simply sent again."""

from __future__ import annotations

from functools import partial

from runner import api_facts as facts
from runner.execute.drivers.base import DriverBase
from runner.execute.ports import tiktok_api
from runner.execute.runs import JobRun
from runner.lock.records import JobRecord
from runner.plan.requests import UploadRequest
from runner.providers.errors import OutcomeUnknown, PermanentError
from runner.vocabulary.errors import ErrorCode
from runner.vocabulary.states import Event


class Uploads(DriverBase):
    """One upload per call, by a fixed URL or by a fresh URL of the job whose video it sends."""

    def bound(self, run: JobRun) -> float:
        """Uploads finish in their reply."""
        return facts.UPLOAD_TIMEOUT_SECONDS

    def create(self, runs: list[JobRun]) -> None:
        """Upload the source by a fresh URL (signed URLs are never stored)."""
        tiktok = tiktok_api(self.client())
        run = runs[0]
        request = run.request
        assert isinstance(request, UploadRequest)
        source_run = self.graph.runs.get(request.source_job) if request.source_job is not None else None
        cached = dict(source_run.preview) if source_run is not None else {}
        self.ledger.write_ahead(run)
        self.ledger.flush()

        def upload() -> str:
            return tiktok.upload_video_by_url(request.url or self.source_url(request, cached))

        self.scheduler.submit(
            upload,
            self.replies.create(runs, partial(self.uploaded, run), partial(self.lost, run)),
            create=self.kind,
        )

    def source_url(self, request: UploadRequest, cached: dict[str, str]) -> str:
        """A fresh URL of the source job's first video (a worker thread)."""
        assert request.source_job is not None
        source = self.ledger.record(request.source_job)
        assert source is not None and source.video_ids
        first = source.video_ids[0]
        if first in cached:
            return cached[first]
        urls = [url for video_id, url in self.parts.driver_of(source.kind).fresh_urls(source) if video_id == first]
        if not urls:
            raise PermanentError(
                source.provider, "preview", ErrorCode.NO_URL, f"no preview URL for the video of {request.source_job}"
            )
        return urls[0]

    def uploaded(self, run: JobRun, stock_video_id: str) -> None:
        """Record the stock video id."""
        self.ledger.accept(run, ())
        self.ledger.succeed(run, Event.TASK_SUCCEEDED, (), stock_video_id=str(stock_video_id))

    def lost(self, run: JobRun, exc: OutcomeUnknown) -> None:
        """Free, and makes nothing: send it again, after the back-off every create takes after transient trouble."""
        self.ledger.roll_back(run, Event.NOT_SENT)
        self.scheduler.make_ready(run)
        self.replies.back_off({run.kind}, exc)

    def resume_pending(self, run: JobRun, record: JobRecord) -> None:
        """An upload whose reply was lost: upload again (it made nothing that costs)."""
        run.before = None
        self.ledger.roll_back(run, Event.NOT_SENT)
        self.scheduler.make_ready(run)
