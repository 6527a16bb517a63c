"""HeyGen renders: created with the job key as Idempotency-Key, polled, downloaded."""

from __future__ import annotations

import concurrent.futures as cf
from typing import Any

from runner import api_facts as facts
from runner.execute.core import EngineCore, JobRun
from runner.providers.errors import OutcomeUnknown
from runner.providers.models import HeyGenVideo


class HeyGenJobs(EngineCore):
    """HeyGen renders."""

    def launch_heygen(self, run: JobRun) -> None:
        heygen = self.providers.heygen
        assert heygen is not None
        self.write_ahead(run)
        self.journal.flush()
        req = run.job.request
        self.submit(lambda: heygen.create_video(avatar_id=str(req["avatar_id"]), script=str(req["script"]), voice_id=str(req["voice_id"]),
                                                aspect_ratio=str(req["aspect_ratio"]), idempotency_key=run.job.key),
                    lambda f: self.on_heygen_created(run, f))

    def on_heygen_created(self, run: JobRun, future: cf.Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            if isinstance(exc, OutcomeUnknown):
                run.phase, run.busy = "ready", False  # the Idempotency-Key makes a repeat safe
                return
            self.handle_error([run], exc)
            return
        self.videos_created += 1
        self.journal.update(run.job.key, state="submitted", task_ids=(str(future.result()),))
        run.phase, run.busy, run.due = "polling", False, self.clock.time() + facts.HEYGEN_PROCESSING_SECONDS / 2

    def poll_heygen(self, run: JobRun) -> None:
        heygen = self.providers.heygen
        assert heygen is not None
        record = self.journal.record(run.job.key)
        assert record is not None and record.task_ids
        run.busy = True
        video_id = record.task_ids[0]
        self.submit(lambda: heygen.get_video(video_id), lambda f: self.on_heygen_polled(run, f))

    def on_heygen_polled(self, run: JobRun, future: cf.Future[Any]) -> None:
        run.busy = False
        exc = future.exception()
        if exc is not None:
            self.handle_poll_error([run], exc)
            return
        video: HeyGenVideo = future.result()
        if video.status == "completed":
            if video.video_url:
                self.queue_download(run.job.key, video.video_id, video.video_url)
            self.succeed(run, video_ids=(video.video_id,))
        elif video.status == "failed":
            self.fail(run, "RENDER_FAILED", video.error or "the render failed")
        else:
            run.due = self.clock.time() + 12.0

