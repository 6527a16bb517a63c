"""Refresh chains: upload a finished (or URL) video by a fresh URL, refresh it, collect every video."""

from __future__ import annotations

import concurrent.futures as cf
from typing import Any, Callable

from runner import api_facts as facts
from runner.execute.core import EngineCore, JobRun
from runner.lock.lockfile import JobRecord
from runner.plan.job import Job
from runner.providers.errors import OutcomeUnknown, PermanentError


class RefreshChains(EngineCore):
    """Uploads and refresh tasks."""

    def source_url(self, upload: Job) -> tuple[str | None, Callable[[], str] | None]:
        """The URL to upload: the source URL, a cached fresh preview URL, or a call that fetches one."""
        source = upload.request["source"]
        if "url" in source:
            return str(source["url"]), None
        dep_key = str(source["job"])
        dep_run = self.runs.get(dep_key)
        record = self.journal.record(dep_key)
        assert record is not None and record.video_ids
        video_id = record.video_ids[0]
        if dep_run is not None and video_id in dep_run.preview:
            return dep_run.preview[video_id], None
        return None, lambda: self.fetch_preview(dep_key, record)

    def fetch_preview(self, key: str, record: JobRecord) -> str:
        """A fresh preview URL of a finished job's first video."""
        urls = [url for video_id, url in self.fresh_urls(record) if video_id == record.video_ids[0]]
        if not urls:
            raise PermanentError("tiktok", "preview", "NO_URL", f"no preview URL for the video of {key}")
        return urls[0]

    def launch_upload(self, run: JobRun) -> None:
        tiktok = self.providers.tiktok
        assert tiktok is not None
        url, fetch = self.source_url(run.job)
        record = self.journal.record(run.job.key)
        self.journal.put(run.job.key, JobRecord(kind="upload", provider="tiktok", state="pending", addresses=run.job.addresses,
                                                depends_on=run.job.depends_on, attempts=(record.attempts if record else 0) + 1,
                                                submitted_at=self.clock.time()))
        run.phase, run.busy = "creating", True

        def upload() -> str:
            return tiktok.upload_video_by_url(url if url is not None else fetch())  # type: ignore[misc]

        self.submit(upload, lambda f: self.on_uploaded(run, f))

    def on_uploaded(self, run: JobRun, future: cf.Future[Any]) -> None:
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            run.phase, run.busy = "ready", False  # uploads are free: send it again
            return
        if exc is not None:
            self.handle_error([run], exc)
            return
        self.succeed(run, stock_video_id=str(future.result()))

    def launch_refresh(self, runs: list[JobRun]) -> None:
        tiktok = self.providers.tiktok
        if not runs or tiktok is None:
            return
        # One refresh create at a time: the client paces them to 1 QPS / 5 QPM; more in flight would only queue.
        if any(r.busy and r.phase == "creating" and r.job.kind == "refresh_video" for r in self.runs.values()):
            return
        if not self.room():
            return
        run = runs[0]
        upload = self.journal.record(str(run.job.request["video"]["job"]))
        assert upload is not None and upload.stock_video_id
        self.write_ahead(run)
        self.journal.flush()
        stock, strategies, hook = upload.stock_video_id, list(run.job.request["video_refresh_strategy_list"]), run.job.request.get("add_hook")
        self.submit(lambda: tiktok.create_refresh_task(stock, strategies, dict(hook) if hook else None),
                    lambda f: self.on_refresh_created(run, f))

    def on_refresh_created(self, run: JobRun, future: cf.Future[Any]) -> None:
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            self.fail(run, "OUTCOME_UNKNOWN", "the refresh create's reply was lost; it may exist in the account "
                      "(refresh videos cannot be matched to a request); the next apply creates it again")
            return
        if exc is not None:
            self.handle_error([run], exc)
            return
        task_ids = tuple(future.result())
        self.videos_created += len(task_ids)
        self.journal.update(run.job.key, state="submitted", task_ids=task_ids)
        run.phase, run.busy, run.due = "polling", False, self.clock.time() + facts.REFRESH_PROCESSING_SECONDS / 2
        self.reporter.job_event(run.job.key, "created", f"tasks {', '.join(task_ids)}")

    def on_refresh_polled(self, runs: list[JobRun], future: cf.Future[Any]) -> None:
        tasks = self.polled_tasks(runs, future)
        if tasks is None:
            return
        for run in runs:
            record = self.journal.record(run.job.key)
            assert record is not None
            mine = [tasks.get(t) for t in record.task_ids]
            if any(t is None or t.status in ("SUBMITTED", "PROCESSING") for t in mine):
                run.due = self.clock.time() + 6.0
                continue
            finished = [t for t in mine if t is not None]
            video_ids = tuple(t.video_id for t in finished if t.status == "SUCCESS" and t.video_id)
            for t in finished:
                if t.status == "SUCCESS" and t.video_id and t.preview_url:
                    self.queue_download(run.job.key, t.video_id, t.preview_url)
            if len(video_ids) == len(finished):
                self.succeed(run, video_ids=video_ids)
            else:
                self.journal.update(run.job.key, video_ids=video_ids)  # never lose the ones that were made
                errors = "; ".join(t.error or "task failed" for t in finished if t.status != "SUCCESS")
                self.fail(run, "TASK_FAILED", errors)

