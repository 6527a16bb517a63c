"""Renders: one create per call under an idempotency key, then one render polled by id.

Generic over `RenderApi`: a provider whose client renders this way needs no driver of its own, only
a kind whose registry entry names this one. Each attempt has its own key (the job key, then
`<key>:<attempt>`), written ahead with the render's title (the job's name, its tag and the attempt), so
a retry of a failed render really renders again. A create that may have reached the provider (its reply
lost, a 5xx, the run stopped) keeps its write-ahead and is sent again under the same key while the
provider's key window (its registry entry) surely lasts; after that, or when unsure, the render is first
looked up by its title and adopted, and sent again only when none exists. Renders in flight are capped
per provider (`apply.max_in_flight`), across runners when the client shares its render slots.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from runner.execute import adoption
from runner.execute.capabilities import (
    FindsRenders,
    RenderSlots,
    SharesRenderSlots,
    render_api,
    render_finder,
)
from runner.execute.drivers.base import DriverBase, DriverParts
from runner.execute.outcome import render_outcome
from runner.execute.replies import backoff
from runner.execute.runs import JobRun
from runner.lock.records import JobRecord
from runner.providers.errors import (
    NotSent,
    OutcomeUnknown,
    PermanentError,
    ProviderError,
    TransientBudgetExhausted,
    TransientError,
)
from runner.vocabulary.names import TAG_MARK, attempt_key, attempt_of_key, render_title, title_tag
from runner.vocabulary.providers import provider
from runner.vocabulary.states import Event, JobState, Phase
from runner.vocabulary.tasks import RenderResult

NOT_FOUND = 404
SURE_SHARE = 0.9  # of the key window: a resend later than this might render again, so the render is looked up first


def maybe_sent(exc: BaseException) -> bool:
    """Whether a failed create may still have reached the provider (so its key must be kept)."""
    if isinstance(exc, TransientBudgetExhausted):
        return not exc.nothing_sent
    return isinstance(exc, TransientError) and not isinstance(exc, NotSent)


def attempt_render(renders: list[RenderResult], tag: str, attempt: int) -> RenderResult | None:
    """The render whose title carries the job's tag and says it was made for this attempt, if any."""
    return next((r for r in renders if title_tag(r.title) == (tag, attempt)), None)


class RenderVideos(DriverBase):
    """Rendered videos: the job's request as the render's, one idempotency key per attempt."""

    urls_renew = True  # the render's status signs a new URL

    def __init__(self, parts: DriverParts) -> None:
        super().__init__(parts)
        self.rendering: set[str] = set()  # keys of renders in flight at the provider

    def _slots(self) -> RenderSlots | None:
        client = self.parts.ports.providers.client(self.spec.provider)
        return client.render_slots if isinstance(client, SharesRenderSlots) else None

    def _cap(self) -> int | None:
        return self.options.in_flight_cap(self.spec.provider)

    def _finder(self) -> FindsRenders | None:
        return render_finder(self.parts.ports.providers.client(self.spec.provider))

    def can_create(self) -> bool:
        """Within the provider's concurrent-render cap (across runners when the slots are shared)."""
        cap = self._cap()
        busy = len(self.rendering) + self.scheduler.creates_in_flight[self.kind]
        if not self.has_client() or (cap is not None and busy >= cap):
            return False
        slots = self._slots()
        return slots is None or cap is None or slots.busy() < cap

    def render_request(self, run: JobRun) -> dict[str, str]:
        """The job's request; an avatar this campaign makes in another job is that job's recorded look."""
        request: dict[str, str] = {}
        for field, value in run.job.request.items():
            if isinstance(value, Mapping) and "job" in value:
                made = self.ledger.record(str(value["job"]))
                assert made is not None and made.twin is not None
                value = made.twin["look_id"]
            request[field] = str(value)
        return request

    # --- creates -----------------------------------------------------------------------------
    def create(self, runs: list[JobRun]) -> None:
        """Take a render slot; write a new attempt ahead (or send a pending one again under its key), then send."""
        run = runs[0]
        slots, cap = self._slots(), self._cap()
        if slots is not None and cap is not None and not slots.hold(run.key, cap):
            self.scheduler.make_ready(run)  # another runner took the last slot: wait for one to free
            return
        request = self.render_request(run)
        record = self.ledger.record(run.key)
        if record is not None and record.state == JobState.PENDING:
            key, title = self._pending_attempt(run, record)
        else:
            attempt = (record.attempts if record is not None else 0) + 1
            key = attempt_key(run.key, attempt, self.owner)
            title = render_title(run.job.name or run.key, run.key, attempt, self.owner)
            self.ledger.write_ahead(run, video_name=title, idempotency_key=key)
        self.ledger.flush()
        self.scheduler.submit(
            partial(render_api(self.client()).create_render, request, key, title),
            self.replies.create(runs, partial(self.created, run), partial(self.lost, run), partial(self.failed, run)),
            create=self.kind,
        )

    def _pending_attempt(self, run: JobRun, record: JobRecord) -> tuple[str, str]:
        """The key and title a pending attempt was written ahead with (older records: the job key, no title)."""
        attempt = attempt_of_key(record.idempotency_key)
        title = record.video_name or render_title(run.job.name or run.key, run.key, attempt)
        return record.idempotency_key or run.key, title

    def created(self, run: JobRun, render_id: str) -> None:
        """Record the render id, then poll."""
        self.ledger.accept(run, (str(render_id),), videos=1)
        self.rendering.add(run.key)
        self.first_poll(run)

    def lost(self, run: JobRun, exc: OutcomeUnknown) -> None:
        """The create may have happened: keep its write-ahead and send it again, or look it up first."""
        self._release(run)
        self.ledger.note(run, Event.REPLY_LOST)
        self.send_again_or_look_up(run)
        self.replies.budget.failed(exc)

    def failed(self, run: JobRun, exc: BaseException) -> bool:
        """A create that may have reached the provider keeps its key; anything else goes to the run's policy."""
        self._release(run)
        if not maybe_sent(exc):
            return False
        self.ledger.note(run, Event.REPLY_LOST)
        if isinstance(exc, TransientBudgetExhausted):
            run.phase = Phase.READY  # unfinished: the next apply sends it again, or looks it up
            raise exc
        self.send_again_or_look_up(run)
        assert isinstance(exc, ProviderError)
        self.replies.budget.failed(exc)
        self.scheduler.hold_until[self.kind] = self.clock.monotonic() + backoff(self.replies.budget.streak)
        return True

    def _release(self, run: JobRun) -> None:
        self.rendering.discard(run.key)
        slots = self._slots()
        if slots is not None:
            slots.release(run.key)

    # --- a create whose reply never came -------------------------------------------------------------
    def resume_pending(self, run: JobRun, record: JobRecord) -> None:
        """A create sent by an earlier run whose reply was never recorded: send it again, or look it up first."""
        run.before = record  # a rollback (nothing sent this time) keeps the attempt's write-ahead
        self.send_again_or_look_up(run)

    def send_again_or_look_up(self, run: JobRun) -> None:
        """Within the key window the same key replays the first reply; later, find the render by its title first."""
        record = self.ledger.record(run.key)
        window = provider(self.spec.provider).idempotency_window_seconds
        sent_at = record.submitted_at if record is not None else None
        sure = window is not None and sent_at is not None and self.clock.time() - sent_at < SURE_SHARE * window
        if sure or self._finder() is None:
            self.replies.again(run)
            return
        run.phase, run.lost_at = Phase.ADOPTING, self.clock.monotonic()
        self.reporter.job_event(run.key, "reply lost", "its key may have expired: looking the render up by its title")
        self.scheduler.schedule(run, 0.0)

    def _tag(self, run: JobRun) -> str:
        """The tag this job's pending attempt was titled with."""
        return adoption.sent_tag(self.ledger.record(run.key), run.key, self.owner)

    def looked(self, run: JobRun, renders: list[RenderResult]) -> None:
        """Adopt this attempt's render; without one, send the attempt again (its key's window starts afresh)."""
        record = self.ledger.record(run.key)
        assert record is not None
        mine = [r for r in renders if r.render_id not in self.options.foreign_videos]
        found = attempt_render(mine, self._tag(run), attempt_of_key(record.idempotency_key))
        if found is None:
            self.reporter.job_event(run.key, "not found", "no render carries its title: sending it again")
            self.ledger.amend(run.key, submitted_at=self.clock.time())
            self.replies.again(run)
            return
        self.ledger.accept(run, (found.render_id,), videos=0)
        self.rendering.add(run.key)
        self.reporter.job_event(run.key, "adopted", f"render {found.render_id} found by its title; not paid again")
        self.polled(run, found)

    # --- polls ---------------------------------------------------------------------------------
    def poll(self, runs: list[JobRun]) -> None:
        """One render per call; a look-up by title for a create that may have expired its key."""
        api = render_api(self.client())
        for run in runs:
            finder = self._finder()
            if run.phase == Phase.ADOPTING and finder is not None:
                self.scheduler.submit(
                    partial(finder.find_renders, TAG_MARK + self._tag(run)),
                    self.replies.poll([run], partial(self.looked, run)),
                )
                continue
            self.scheduler.submit(
                partial(api.get_render, self.ledger.task_ids(run)[0]),
                self.replies.poll([run], partial(self.polled, run), partial(self.forgotten, run)),
            )

    def forgotten(self, run: JobRun, exc: BaseException) -> bool:
        """The provider does not know the render (404): the task is lost."""
        if not (isinstance(exc, PermanentError) and exc.http_status == NOT_FOUND):
            return self.poll_refused([run], exc)
        self._release(run)
        title = provider(self.spec.provider).title
        said = f"{exc.code} {exc.message}".strip()
        render_id = self.ledger.task_ids(run)[0]
        self.ledger.fail(run, Event.TASK_LOST, "TASK_LOST", f"{title} no longer knows render {render_id} ({said})")
        return True

    def polled(self, run: JobRun, result: RenderResult) -> None:
        """Record a finished render; renew the slot of one still rendering."""
        outcome = render_outcome(result)
        if outcome is None:
            slots, cap = self._slots(), self._cap()
            if slots is not None and cap is not None:
                slots.hold(run.key, cap)  # renew: still rendering
            self.poll_again(run)
            return
        self._release(run)
        self.finish(run, outcome)

    def resume_submitted(self, run: JobRun, record: JobRecord) -> None:
        """Poll at once; the render counts against the cap."""
        super().resume_submitted(run, record)
        self.rendering.add(run.key)

    def fresh_urls(self, record: JobRecord) -> list[tuple[str, str]]:
        """The render (its id is the video's) tells a fresh URL."""
        result = render_api(self.client()).get_render(record.video_ids[0])
        video_id = result.video_id or result.render_id
        return [(video_id, result.url)] if result.url else []
