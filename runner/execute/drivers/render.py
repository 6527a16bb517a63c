"""Renders: one create per call under an idempotency key, then one render polled by id.

Generic over `RenderApi`: a provider whose client renders this way needs no driver of its own, only
a kind whose registry entry names this one. The job key is the idempotency key, so a lost reply is
simply sent again; renders in flight are capped per provider (`apply.max_in_flight`), across runners
when the client shares its render slots.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from runner.execute.capabilities import RenderSlots, SharesRenderSlots, render_api
from runner.execute.drivers.base import DriverBase, DriverParts
from runner.execute.outcome import render_outcome
from runner.execute.runs import JobRun
from runner.lock.lockfile import JobRecord
from runner.providers.errors import OutcomeUnknown, PermanentError
from runner.vocabulary.providers import provider
from runner.vocabulary.states import Event
from runner.vocabulary.tasks import RenderResult

NOT_FOUND = 404


class RenderVideos(DriverBase):
    """Rendered videos: the job's request as the render's, its key as the idempotency key."""

    def __init__(self, parts: DriverParts) -> None:
        super().__init__(parts)
        self.rendering: set[str] = set()  # keys of renders in flight at the provider

    def _slots(self) -> RenderSlots | None:
        client = self.parts.ports.providers.client(self.spec.provider)
        return client.render_slots if isinstance(client, SharesRenderSlots) else None

    def _cap(self) -> int | None:
        return self.options.in_flight_cap(self.spec.provider)

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

    def create(self, runs: list[JobRun]) -> None:
        """Take a render slot, write ahead, then send."""
        run = runs[0]
        slots, cap = self._slots(), self._cap()
        if slots is not None and cap is not None and not slots.hold(run.key, cap):
            self.scheduler.make_ready(run)  # another runner took the last slot: wait for one to free
            return
        request = self.render_request(run)
        self.ledger.write_ahead(run)
        self.ledger.flush()
        self.scheduler.submit(
            partial(render_api(self.client()).create_render, request, run.key),
            self.replies.create(runs, partial(self.created, run), partial(self.lost, run), partial(self.refused, run)),
            create=self.kind,
        )

    def created(self, run: JobRun, render_id: str) -> None:
        """Record the render id, then poll."""
        self.ledger.accept(run, (str(render_id),), videos=1)
        self.rendering.add(run.key)
        self.first_poll(run)

    def lost(self, run: JobRun, exc: OutcomeUnknown) -> None:
        """The idempotency key makes a repeat safe: send it again."""
        self.ledger.roll_back(run, Event.NOT_SENT)
        self.scheduler.make_ready(run)
        self.replies.budget.failed(exc)

    def refused(self, run: JobRun, exc: BaseException) -> bool:
        """Free the slot; the run's failure policy does the rest."""
        self._release(run)
        return False

    def _release(self, run: JobRun) -> None:
        self.rendering.discard(run.key)
        slots = self._slots()
        if slots is not None:
            slots.release(run.key)

    def poll(self, runs: list[JobRun]) -> None:
        """One render per call."""
        api = render_api(self.client())
        for run in runs:
            self.scheduler.submit(
                partial(api.get_render, self.ledger.task_ids(run)[0]),
                self.replies.poll([run], partial(self.polled, run), partial(self.forgotten, run)),
            )

    def forgotten(self, run: JobRun, exc: BaseException) -> bool:
        """The provider does not know the render (404): the task is lost."""
        if not (isinstance(exc, PermanentError) and exc.http_status == NOT_FOUND):
            return False
        self._release(run)
        title = provider(self.spec.provider).title
        self.ledger.fail(
            run, Event.TASK_LOST, "TASK_LOST", f"{title} no longer knows render {self.ledger.task_ids(run)[0]}"
        )
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
