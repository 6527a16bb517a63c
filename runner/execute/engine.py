"""The apply engine: runs a plan's jobs in dependency order, batched and paced, exactly once."""

from __future__ import annotations

import concurrent.futures as cf
from functools import partial
from pathlib import Path
from typing import Any

from runner import api_facts as facts
from runner.clock import Clock
from runner.execute.chains import RefreshChains
from runner.execute.core import JobRun
from runner.execute.downloads import Downloads, needs_downloads
from runner.execute.heygen_jobs import HeyGenJobs
from runner.execute.journal import Journal
from runner.execute.ports import (
    ApplyResult, ExecuteOptions, HeyGenApi, Providers, Reporter, SilentReporter, TikTokApi,
)
from runner.lock.lockfile import JobRecord, Lockfile
from runner.plan.job import Job, name_tag, tagged_video_name
from runner.plan.model import Action, Plan
from runner.providers.errors import OutcomeUnknown

__all__ = ["ApplyResult", "Engine", "ExecuteOptions", "HeyGenApi", "Providers", "Reporter", "SilentReporter",
           "TikTokApi", "execute", "needs_downloads"]

ADOPT_MARGIN = 1.2  # wait this multiple of the documented bound (+30 s) before concluding a lost create never happened
CRITICAL_POLL_SECONDS = 3.0
POLL_BATCH_HORIZON = 4.0  # virtual seconds: a task due this soon joins a poll that is going out now


class Engine(RefreshChains, HeyGenJobs, Downloads):
    """One apply run; see docs/apply.md for the scheduling and write-ahead rules."""

    def prepare(self) -> None:
        """Turn the plan's changes into runs, renames, forgets and missing downloads."""
        now = self.clock.time()
        feeds = {d for c in self.plan.changes if c.job for d in c.job.depends_on}
        for change in self.plan.changes:
            job = change.job
            if change.action is Action.FORGET:
                self.journal.drop([change.key])
                self.reporter.job_event(change.key, "forgotten")
            elif change.action is Action.RENAME and job is not None:
                self.rename(change.key, job)
            elif change.action in (Action.CREATE, Action.REPLACE) and job is not None:
                run = JobRun(job, "ready", priority=0 if job.key in feeds else 1)
                record = self.journal.record(change.key)
                if change.resume == "submitted" and record is not None:
                    run.phase, run.due = "polling", now
                elif change.resume == "pending" and record is not None:
                    self.resume_pending(run, record)
                self.runs[change.key] = run
        if self.options.downloads and self.options.artifacts_dir is not None:
            for key in needs_downloads(self.journal.snapshot(), self.lock_dir):
                if key not in self.runs:
                    self.fresh_url_wanted.add(key)
        self.journal.flush()

    def resume_pending(self, run: JobRun, record: JobRecord) -> None:
        """A create was sent but its reply never recorded (crash or lost reply)."""
        kind = run.job.kind
        if kind == "avatar_video":
            run.phase = "adopting"
            run.due = (record.submitted_at or 0.0) + self.adopt_wait(run.job)
        elif kind == "refresh_video":
            self.fail(run, "OUTCOME_UNKNOWN", "the refresh create was sent but its reply was lost; it may exist in the "
                      "account (refresh videos cannot be matched to a request); the next apply creates it again")
        # uploads (free) and HeyGen renders (Idempotency-Key) are simply sent again

    def adopt_wait(self, job: Job) -> float:
        """How long after a lost create its video must have appeared in the list."""
        return facts.avatar_processing_bound(len(str(job.request.get("script", "")))) * ADOPT_MARGIN + 30.0

    # --- the loop ----------------------------------------------------------------------------
    def run(self) -> ApplyResult:
        """Run until every job succeeded, failed or was skipped."""
        try:
            self.prepare()
            while True:
                self.launch()
                if not self.inflight and not self.pending_work():
                    break
                self.wait()
                self.journal.flush()
                self.report()
        finally:
            self.journal.flush()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.http.close()
        runs = self.runs.values()
        requests = self.download_requests + sum(
            p.request_count for p in (self.providers.tiktok, self.providers.heygen) if p is not None)
        return ApplyResult(
            lockfile=self.journal.snapshot(),
            succeeded=tuple(sorted(r.job.key for r in runs if r.phase == "done")),
            failed=tuple(sorted(r.job.key for r in runs if r.phase == "failed")),
            skipped=tuple(sorted(r.job.key for r in runs if r.phase == "skipped")),
            videos_created=self.videos_created,
            requests=requests,
        )

    def pending_work(self) -> bool:
        return bool(self.downloads or self.fresh_url_wanted or any(r.phase not in ("done", "failed", "skipped") for r in self.runs.values()))

    def wait(self) -> None:
        now = self.clock.time()
        dues = [r.due for r in self.runs.values() if not r.busy and (
            r.phase in ("polling", "adopting") or (r.phase == "ready" and self.deps_state(r.job) == "ok"))]
        wait = max(0.0, min(dues, default=now + 5.0) - now)
        if self.inflight:
            scale = getattr(self.clock, "scale", None)
            timeout = min(wait * scale, 5.0) if scale else (0.05 if wait > 0 else 0.0)
            done, _ = cf.wait(list(self.inflight), timeout=timeout if wait > 0 else 0.0, return_when=cf.FIRST_COMPLETED)
            if not done and wait > 0 and not scale:
                self.clock.sleep(wait)
            for future in done:
                handler = self.inflight.pop(future)
                handler(future)
        elif wait > 0:
            self.clock.sleep(min(wait, 60.0))


    def report(self) -> None:
        runs = list(self.runs.values())
        done = sum(r.phase == "done" for r in runs)
        failed = sum(r.phase in ("failed", "skipped") for r in runs)
        # The plan's estimate, counted down.
        eta = max(0.0, self.plan.estimate.eta_seconds - (self.clock.time() - self.started)) if done + failed < len(runs) else 0.0
        self.reporter.progress(done, sum(r.busy for r in runs), failed, len(runs), eta)

    # --- state changes (main thread only) ------------------------------------------------------
    def launch(self) -> None:
        now = self.clock.time()
        ready: dict[str, list[JobRun]] = {"avatar_video": [], "upload": [], "refresh_video": [], "heygen_video": []}
        polls: dict[str, list[JobRun]] = {"avatar_video": [], "refresh_video": [], "heygen_video": []}
        for run in sorted(self.runs.values(), key=lambda r: (r.priority, r.job.key)):
            if run.busy or run.due > now:
                continue
            if run.phase == "ready":
                state = self.deps_state(run.job)
                if state == "broken":
                    run.phase = "skipped"
                    self.reporter.job_event(run.job.key, "skipped", "a job it depends on failed")
                elif state == "ok":
                    ready[run.job.kind].append(run)
            elif run.phase == "polling":
                polls[run.job.kind].append(run)
            elif run.phase == "adopting":
                self.launch_adoption(run)
        self.launch_avatar_creates(ready["avatar_video"])
        for kind, runs in polls.items():
            if runs:  # fill the 5-id batches with tasks due soon anyway: fewer calls, same latency
                waiting = {id(r) for r in runs}
                runs += [r for r in self.runs.values() if r.phase == "polling" and not r.busy and r.job.kind == kind
                         and id(r) not in waiting and r.due <= now + POLL_BATCH_HORIZON]
            self.launch_polls(kind, runs)
        for run in ready["upload"]:
            if self.room():
                self.launch_upload(run)
        self.launch_refresh(ready["refresh_video"])
        for run in ready["heygen_video"]:
            if self.room():
                self.launch_heygen(run)
        self.launch_downloads()

    def launch_avatar_creates(self, runs: list[JobRun]) -> None:
        tiktok = self.providers.tiktok
        while runs and self.room() and tiktok is not None:
            batch, runs = runs[: facts.MAX_PACKAGES_PER_CREATE], runs[facts.MAX_PACKAGES_PER_CREATE :]
            packages = []
            for run in batch:
                video_name = tagged_video_name(run.job.name or run.job.key, run.job.key)
                self.write_ahead(run, video_name=video_name)
                packages.append({"avatar_id": str(run.job.request["avatar_id"]), "script": str(run.job.request["script"]),
                                 "video_name": video_name, "package_id": run.job.key})
            self.journal.flush()  # write-ahead: the pending records land before the create is sent
            self.submit(partial(tiktok.create_avatar_videos, packages), partial(self.on_avatar_created, batch))

    def on_avatar_created(self, batch: list[JobRun], future: cf.Future[Any]) -> None:
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            for run in batch:
                run.phase, run.busy = "adopting", False
                run.due = self.clock.time() + self.adopt_wait(run.job)
                self.reporter.job_event(run.job.key, "reply lost", "will look for the video before creating it again")
            return
        if exc is not None:
            self.handle_error(batch, exc)
            return
        by_package = {t.package_id: t for t in future.result()}
        for run in batch:
            created = by_package.get(run.job.key)
            if created is None or not created.task_id:
                self.fail(run, "CREATE", (created.error_msg if created else None) or "the provider returned no task")
                continue
            self.videos_created += 1
            self.journal.update(run.job.key, state="submitted", task_ids=(created.task_id,))
            run.phase, run.busy = "polling", False
            run.due = self.clock.time() + self.first_poll(run)
            self.reporter.job_event(run.job.key, "created", f"task {created.task_id}")

    def launch_polls(self, kind: str, runs: list[JobRun]) -> None:
        if not runs:
            return
        if kind == "heygen_video":
            for run in runs:
                if self.room():
                    self.poll_heygen(run)
            return
        tiktok = self.providers.tiktok
        assert tiktok is not None
        owners: dict[str, JobRun] = {}
        for run in runs:
            record = self.journal.record(run.job.key)
            for task_id in record.task_ids if record else ():
                owners[task_id] = run
        ids = sorted(owners)
        while ids and self.room():
            chunk, ids = ids[: facts.MAX_TASK_IDS_PER_GET], ids[facts.MAX_TASK_IDS_PER_GET :]
            members = list({id(owners[t]): owners[t] for t in chunk}.values())
            for run in members:
                run.busy = True
            if kind == "avatar_video":
                self.submit(partial(tiktok.get_avatar_tasks, chunk), partial(self.on_avatar_polled, members))
            else:
                self.submit(partial(tiktok.get_refresh_tasks, chunk), partial(self.on_refresh_polled, members))

    def on_avatar_polled(self, runs: list[JobRun], future: cf.Future[Any]) -> None:
        tasks = self.polled_tasks(runs, future)
        if tasks is None:
            return
        for run in runs:
            record = self.journal.record(run.job.key)
            task = tasks.get(record.task_ids[0]) if record and record.task_ids else None
            if task is None or task.status in ("SUBMITTED", "PROCESSING"):
                run.due = self.clock.time() + self.poll_interval(run)
            elif task.status == "SUCCESS" and task.video_id:
                if task.preview_url:
                    run.preview[task.video_id] = task.preview_url
                    self.queue_download(run.job.key, task.video_id, task.preview_url)
                self.succeed(run, video_ids=(task.video_id,), video_name=task.video_name or (record.video_name if record else None))
            else:
                self.fail(run, "TASK_FAILED", task.error or "the avatar video task failed")

    def first_poll(self, run: JobRun) -> float:
        """Videos that feed refresh chains are looked at from half the documented bound; others near the bound."""
        bound = facts.avatar_processing_bound(len(str(run.job.request["script"])))
        return (0.5 if run.priority == 0 else 0.95) * bound

    def poll_interval(self, run: JobRun) -> float:
        """Re-poll sooner for videos that feed refresh chains: they gate the 5-per-minute refresh window."""
        if run.priority == 0:
            return CRITICAL_POLL_SECONDS
        return max(5.0, 0.1 * facts.avatar_processing_bound(len(str(run.job.request["script"]))))


    def launch_adoption(self, run: JobRun) -> None:
        tiktok = self.providers.tiktok
        if tiktok is None or not self.room():
            return
        run.busy = True
        avatar_id = str(run.job.request["avatar_id"])
        self.submit(lambda: tiktok.list_avatar_videos(avatar_id=avatar_id), lambda f: self.on_adoption(run, f))

    def on_adoption(self, run: JobRun, future: cf.Future[Any]) -> None:
        run.busy = False
        exc = future.exception()
        if exc is not None:
            self.handle_poll_error([run], exc)
            return
        tag = "~" + name_tag(run.job.key)
        found = [v for v in future.result() if v.video_name.endswith(tag)]
        if found:
            video = sorted(found, key=lambda v: v.video_id)[0]
            if video.preview_url:
                run.preview[video.video_id] = video.preview_url
                self.queue_download(run.job.key, video.video_id, video.preview_url)
            self.succeed(run, video_ids=(video.video_id,), video_name=video.video_name)
            self.reporter.job_event(run.job.key, "adopted", f"video {video.video_id} found by its name tag; not paid again")
        else:
            run.phase, run.due = "ready", 0.0  # it never happened: create it (a new attempt)
            self.reporter.job_event(run.job.key, "not found", "the lost create never happened; creating it")

    def rename(self, key: str, job: Job) -> None:
        record = self.journal.record(key)
        if record is None:
            return
        if job.kind != "avatar_video" or not record.video_ids or self.providers.tiktok is None:
            self.journal.update(key, name=job.name)  # no rename endpoint for this kind: the lockfile keeps the name
            return
        tiktok = self.providers.tiktok
        new_name = tagged_video_name(job.name or key, key, limit=facts.RENAME_MAX_CHARS)
        tiktok.rename_video(record.video_ids[0], new_name)
        self.journal.update(key, name=job.name, video_name=new_name)
        self.reporter.job_event(key, "renamed", new_name)

    # --- artifacts ---------------------------------------------------------------------------------

def execute(plan: Plan, lock: Lockfile, lock_path: Path, providers: Providers, options: ExecuteOptions, *,
            clock: Clock, reporter: Reporter | None = None) -> ApplyResult:
    """Run the plan; every state change reaches the lockfile before any request that depends on it."""
    return Engine(plan, Journal(lock_path, lock), providers, options, clock, reporter or SilentReporter()).run()
