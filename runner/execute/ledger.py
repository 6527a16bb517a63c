"""Every state change of a job, checked against the one transition table, and what it means for its dependents.

The ledger keeps the journal (the lockfile in memory, appended to the write-ahead log on flush) and
knows nothing of job kinds or providers: drivers tell it what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runner.clock import Clock
from runner.execute.journal import Journal
from runner.execute.ports import Reporter
from runner.execute.runs import JobRun, RunGraph
from runner.lock.records import JobError, JobRecord, paid_videos
from runner.observe import tracing
from runner.providers.errors import PermanentError
from runner.vocabulary.errors import ErrorCode, retryable
from runner.vocabulary.states import BEFORE, NONE, Event, JobState, Phase, transition


class Ledger:
    """The journal plus table-checked transitions; a finished job releases (or blocks) the runs waiting on it."""

    def __init__(
        self,
        journal: Journal,
        graph: RunGraph,
        release: Callable[[JobRun], None],
        clock: Clock,
        reporter: Reporter,
        max_retries: int = 1,
    ) -> None:
        self.journal = journal
        self.max_retries = max_retries
        self.graph = graph
        self.release = release  # queues a run whose dependencies all succeeded
        self.clock = clock
        self.reporter = reporter
        self.videos_created = 0  # videos this run's jobs finished with (a failed render makes none)
        self.videos_paid = 0  # videos this run's accepted creates pay for, failed renders included
        self.renamed: list[str] = []  # jobs this run renamed (at the provider or in the lockfile)
        self.forgotten: list[str] = []  # jobs this run dropped from the lockfile
        self.rename_failures: dict[str, str] = {}  # job key -> why its rename failed (the next apply tries again)
        self.reasons: dict[str, str] = {}  # why the plan re-renders a job (`--replace SEL`)
        self.replaces: dict[str, str] = {}  # new key -> the key it replaces (dropped once the new one succeeded)
        self.consent_urls: dict[str, str] = {}  # job key -> the URL a person must visit (memory only: never written)

    # --- reading -----------------------------------------------------------------------------
    def record(self, key: str) -> JobRecord | None:
        """The current record of a job."""
        return self.journal.record(key)

    def task_ids(self, run: JobRun) -> tuple[str, ...]:
        """The job's recorded task ids."""
        record = self.journal.record(run.key)
        return record.task_ids if record is not None else ()

    def _state_of(self, key: str) -> str:
        record = self.journal.record(key)
        return record.state if record is not None else NONE

    def _counted(self, key: str, what: str) -> Mapping[str, int]:
        record = self.journal.record(key)
        return record.counted(what) if record is not None else {what: 1}

    def flush(self) -> None:
        """Make every change durable (before any request that depends on it)."""
        self.journal.flush()

    def amend(self, key: str, **fields: Any) -> None:
        """Change fields of a record that are not its state (a twin's status, a name, artifacts)."""
        self.journal.update(key, **fields)

    def rename(self, key: str, **fields: Any) -> None:
        """A job got its new name (`name`, and `video_name` when the provider's name changed)."""
        self.journal.update(key, **fields)
        self.renamed.append(key)

    # --- state changes -----------------------------------------------------------------------
    def write_ahead(self, run: JobRun, *, keep_videos: bool = False, **fields: Any) -> JobRecord:
        """Record `pending` (attempts + 1, submitted_at) before a paid create is sent.

        `keep_videos`: a retried job keeps the videos its earlier tasks made (they were paid for).
        """
        job = run.job
        old = self.journal.record(job.key)
        row = transition(old.state if old else NONE, Event.SEND)
        if old is None or old.state != JobState.PENDING:
            run.before = old
        paid_before = old is not None and old.state in (JobState.FAILED, JobState.PENDING) and keep_videos
        superseded = self._superseded(job.key, old)
        if old is not None and old.replaced and superseded is not old.replaced:  # an older re-render's videos go
            self.journal.retire(len(old.replaced.get("video_ids") or ()))
        record = JobRecord(
            kind=job.kind,
            provider=job.provider,
            state=JobState(row.to),
            addresses=job.addresses,
            name=job.name,
            depends_on=job.depends_on,
            attempts=(old.attempts if old else 0) + row.attempts,
            submitted_at=self.clock.time(),
            video_ids=old.video_ids if old is not None and paid_before else (),
            request=dict(job.request),
            replaced=superseded,
            spend=_spend_before(old),
            **fields,
        )
        self.journal.put(job.key, record)
        run.phase = Phase.CREATING
        return record

    def _superseded(self, key: str, old: JobRecord | None) -> Mapping[str, Any] | None:
        """What a new create supersedes: a succeeded video re-rendered on request, or one that failed its check."""
        if old is None:
            return None
        if old.state == JobState.SUCCEEDED:  # a re-render on request keeps what it supersedes
            return {
                "reason": self.reasons.get(key) or "--replace",
                "video_ids": list(old.video_ids),
                "task_ids": list(old.task_ids),
            }
        if old.error is not None and old.error.code == ErrorCode.CHECK_FAILED and old.video_ids:
            # a video rejected by the post-render check was paid for: keep its ids as a --replace does
            return {"reason": old.error.message, "video_ids": list(old.video_ids), "task_ids": list(old.task_ids)}
        return old.replaced

    def roll_back(self, run: JobRun, event: Event) -> None:
        """Restore the record from before the write-ahead (nothing was paid)."""
        row = transition(self._state_of(run.key), event)
        assert row.to == BEFORE
        self.journal.put(run.key, run.before)

    def accept(self, run: JobRun, task_ids: tuple[str, ...], videos: int = 0) -> None:
        """The create's reply: record its task ids (and count the videos it pays for), then poll."""
        row = transition(self._state_of(run.key), Event.ACCEPTED)
        self.journal.update(run.key, state=JobState(row.to), task_ids=task_ids, error=None)
        self.videos_paid += videos
        run.phase, run.accepted_at, run.missing = Phase.POLLING, self.clock.monotonic(), 0
        tracing.job_started(run.key)

    def succeed(self, run: JobRun, event: Event, video_ids: tuple[str, ...], **fields: Any) -> None:
        """Record the job's videos; its dependents may start; a job it replaces is dropped."""
        row = transition(self._state_of(run.key), event)
        if event == Event.ADOPTED:  # a create whose reply was lost, paid once and found by its tag
            fields["spend"] = self._counted(run.key, "adopted")
        self.journal.update(
            run.key,
            state=JobState(row.to),
            video_ids=video_ids,
            error=None,
            finished_at=self.clock.time(),
            name=run.job.name,
            **fields,
        )
        run.phase = Phase.DONE
        self.videos_created += len(video_ids)  # uploads and twins finish with none
        old = self.replaces.get(run.key)
        if old is not None and old != run.key:
            self._retire(old)
            self.journal.drop([old])
        self.reporter.job_event(run.key, "succeeded", ", ".join(video_ids))
        tracing.job_finished(run.key, _traced(run, "succeeded", len(video_ids)))
        for dependent in self.graph.dependents(run.key):
            dependent.unmet -= 1
            if dependent.unmet == 0 and dependent.phase == Phase.WAITING:
                self.release(dependent)

    def fail(self, run: JobRun, event: Event, code: str, message: str, **fields: Any) -> None:
        """Record why the job failed; its dependents are blocked for this run."""
        row = transition(self._state_of(run.key), event)
        if event == Event.TASK_FAILED:  # a render that ran and failed: whether it is charged is the provider's fact
            fields.setdefault("spend", self._counted(run.key, "failed"))
        self.journal.update(
            run.key, state=JobState(row.to), error=JobError(code, message), finished_at=self.clock.time(), **fields
        )
        run.phase = Phase.FAILED
        self.reporter.job_event(run.key, "failed", f"{code}: {message}")
        tracing.job_finished(run.key, {**_traced(run, "failed", 0), "error.code": code})
        self.block_dependents(run.key, f"{run.key} failed")

    def refuse(self, run: JobRun, exc: PermanentError) -> None:
        """A definite refusal of a create, the provider's words kept: not an attempt (nothing was made), unless it
        holds only for now (a source it could not fetch), which a later apply retries within max_retries."""
        event = Event.REFUSED_FOR_NOW if retryable(exc.code, exc.provider) else Event.REFUSED
        record = self.journal.record(run.key)
        attempts = max(0, (record.attempts if record else 0) + transition(self._state_of(run.key), event).attempts)
        self.fail(run, event, exc.code, exc.message, attempts=attempts)

    def never_happened(self, run: JobRun, message: str) -> bool:
        """A lost create of which nothing was found: an attempt spent. True when it may be created again (max_retries).

        One that was answered with an error made nothing: it is rolled back like a "try again" (never an attempt).
        """
        if run.lost_answered:
            self.roll_back(run, Event.NOT_SENT)
            return True
        row = transition(self._state_of(run.key), Event.NEVER_HAPPENED)
        error = JobError(ErrorCode.CREATE_LOST, message)
        self.journal.update(run.key, state=JobState(row.to), error=error, finished_at=self.clock.time())
        record = self.journal.record(run.key)
        if record is not None and record.attempts <= self.max_retries:
            return True
        run.phase = Phase.FAILED
        self.reporter.job_event(run.key, "failed", f"{error.code}: {message}; out of retries (apply.max_retries)")
        self.block_dependents(run.key, f"{run.key} failed")
        return False

    def note(self, run: JobRun, event: Event) -> None:
        """An event that keeps the recorded state (checked against the table)."""
        state = self._state_of(run.key)
        assert transition(state, event).to == state

    def reject(self, key: str, message: str) -> None:
        """A paid video failed its post-render check: the job fails (the next plan makes it again, -/+)."""
        row = transition(self._state_of(key), Event.CHECK_FAILED)
        self.journal.update(key, state=JobState(row.to), error=JobError(ErrorCode.CHECK_FAILED, message))
        self.reporter.job_event(key, "failed", f"{ErrorCode.CHECK_FAILED}: {message}")
        run = self.graph.runs.get(key)
        if run is not None:  # it succeeded in this run; now failed, with its dependents blocked
            run.phase = Phase.FAILED
            self.block_dependents(key, f"{key} failed its post-render check")

    def source_forgotten(self, key: str) -> None:
        """The provider lost what the job made (an uploaded stock video): drop its record so it is made again."""
        record = self.journal.record(key)
        if record is not None:
            assert transition(record.state, Event.SOURCE_FORGOTTEN).to == NONE
            self.journal.put(key, None)

    def forget(self, key: str) -> None:
        """A job the plan forgets: its record is dropped (providers delete nothing); its paid videos stay counted."""
        self._retire(key)
        self.journal.drop([key])
        self.forgotten.append(key)
        self.reporter.job_event(key, "forgotten")

    def _retire(self, key: str) -> None:
        """Before a record is dropped: the lockfile keeps counting the videos it paid for."""
        record = self.journal.record(key)
        if record is not None:
            self.journal.retire(paid_videos(record))

    # --- this run only -----------------------------------------------------------------------
    def park(self, run: JobRun, reason: str) -> None:
        """A job waits on a person: it and every job downstream stop for this run; a later apply goes on."""
        run.phase = Phase.CONSENT
        self.reporter.job_event(run.key, "waiting", reason)
        for dependent in self.graph.downstream(run.key):
            dependent.phase = Phase.CONSENT

    def block(self, run: JobRun, reason: str) -> None:
        """A job this run will not make (a dependency failed for good, or is itself blocked)."""
        run.phase = Phase.BLOCKED
        self.reporter.job_event(run.key, "blocked", reason)

    def block_dependents(self, key: str, reason: str) -> None:
        """Every job downstream of a failed one is blocked for this run."""
        for dependent in self.graph.downstream(key):
            self.block(dependent, reason)


def _spend_before(old: JobRecord | None) -> Mapping[str, int] | None:
    """The spend counts a new attempt carries on; one more re-make when the last video failed its check."""
    if old is None:
        return None
    if old.state == JobState.FAILED and old.error is not None and old.error.code == ErrorCode.CHECK_FAILED:
        return old.counted("remade")
    return old.spend


def _traced(run: JobRun, state: str, videos: int) -> dict[str, str | int]:
    """A job span's attributes: its kind, provider, end state and videos (never its script or name)."""
    return {"job.kind": run.kind, "provider": run.job.provider, "job.state": state, "job.videos": videos}
