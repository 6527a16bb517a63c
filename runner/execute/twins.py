"""HeyGen digital twins: create from footage, ask the subject's consent, wait for training.

A twin's create has no Idempotency-Key: its name carries the job's `~tag`, and a lost reply is
adopted by finding that tag among the account's private groups (or the given group's looks).
The consent URL is printed for the person who must approve and never written to any file.
"""

from __future__ import annotations

import concurrent.futures as cf
from functools import partial
from pathlib import Path
from typing import Any

from runner import api_facts as facts
from runner.execute.context import Context, JobRun
from runner.execute.ports import HeyGenApi
from runner.lock.lockfile import JobRecord
from runner.providers.errors import OutcomeUnknown
from runner.providers.footage import FootageFile, FootageSource, FootageUrl
from runner.providers.models import AvatarGroup, TwinCreated
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.names import name_tag, tagged_video_name
from runner.vocabulary.states import Event, Phase

TRAINING_SECONDS = 600.0  # undocumented; polls of a training twin are paced against this bound


def footage_of(run: JobRun) -> FootageSource:
    """The footage a twin's request names: a URL, or the file this checkout has (its path is not in the key)."""
    footage = run.job.request["footage"]
    if "url" in footage:
        return FootageUrl(str(footage["url"]))
    return FootageFile(Path(run.job.local["footage_file"]))


def twin_state(group: AvatarGroup) -> tuple[str, str | None]:
    """("ready" | "failed" | "refused" | "consent" | "training", reason) from a group's consent and status."""
    if group.status == facts.HEYGEN_TWIN_FAILED:
        return "failed", group.error or "HeyGen could not train the avatar from this footage"
    consent = group.consent_status
    if consent not in facts.HEYGEN_CONSENT_PENDING and consent != facts.HEYGEN_CONSENT_APPROVED:
        return "refused", f"the subject did not consent (consent_status {consent!r})"
    if consent != facts.HEYGEN_CONSENT_APPROVED:
        return "consent", None
    if group.status == facts.HEYGEN_TWIN_READY:
        return "ready", None
    return "training", None


class HeyGenTwins:
    """Digital twins: one create, the consent flow, then training; their videos wait for them."""

    kind = JobKind.HEYGEN_AVATAR
    create_batch = 1
    poll_batch = 1

    def bound(self, run: JobRun) -> float:
        """Training time (undocumented)."""
        return TRAINING_SECONDS

    def can_create(self, ctx: Context) -> bool:
        """HeyGen's client paces its own rate."""
        return ctx.providers.heygen is not None

    def _heygen(self, ctx: Context) -> HeyGenApi:
        heygen = ctx.providers.heygen
        assert heygen is not None
        return heygen

    def create(self, ctx: Context, runs: list[JobRun]) -> None:
        """Write ahead (with the tagged name), then send the create."""
        run = runs[0]
        name = tagged_video_name(run.job.name or run.job.key, run.job.key, limit=facts.HEYGEN_TWIN_NAME_MAX_CHARS)
        ctx.write_ahead(run, video_name=name)
        ctx.journal.flush()
        group = run.job.request.get("group")
        footage = footage_of(run)
        ctx.submit(
            partial(self._heygen(ctx).create_digital_twin, name, footage, str(group) if group else None),
            partial(self.created, ctx, run),
            create=self.kind,
        )

    def created(self, ctx: Context, run: JobRun, future: cf.Future[Any]) -> None:
        """Record the group and look, then start the consent flow; adopt by tag when the reply was lost."""
        exc = future.exception()
        if isinstance(exc, OutcomeUnknown):
            ctx.note(run, Event.REPLY_LOST)
            run.phase = Phase.ADOPTING
            ctx.reporter.job_event(run.job.key, "reply lost", "looking for the twin by its name tag")
            self.look_for(ctx, run)
            return
        if exc is not None:
            ctx.create_failed([run], exc)
            return
        ctx.budget.answered()
        made: TwinCreated = future.result()
        self.accepted(ctx, run, made.group_id, made.look_id, made.consent_status)

    def accepted(self, ctx: Context, run: JobRun, group_id: str, look_id: str, consent: str | None) -> None:
        """The twin exists: record its ids (the consent URL is never recorded), then ask for consent."""
        ctx.accept(run, (group_id,))
        twin = {"group_id": group_id, "look_id": look_id, "consent_status": consent}
        ctx.journal.update(run.job.key, twin=twin, waiting="consent")
        ctx.reporter.job_event(run.job.key, "created", f"digital twin group {group_id}, look {look_id}")
        self.ask_consent(ctx, run)

    def ask_consent(self, ctx: Context, run: JobRun) -> None:
        """Start the consent flow and print the URL for the subject."""
        record = ctx.journal.record(run.job.key)
        assert record is not None and record.twin is not None
        reroute = run.job.local.get("reroute_url")
        run.consent_asked = True
        ctx.submit(
            partial(self._heygen(ctx).start_consent, str(record.twin["group_id"]), reroute),
            partial(self.consent_started, ctx, run),
        )

    def consent_started(self, ctx: Context, run: JobRun, future: cf.Future[Any]) -> None:
        """Show the consent URL, then look at the group."""
        exc = future.exception()
        if exc is not None:
            ctx.poll_failed([run], exc)
            return
        ctx.budget.answered()
        url, _status = future.result()
        ctx.consent_urls[run.job.key] = url
        ctx.reporter.job_event(
            run.job.key, "consent needed", f"{run.job.addresses[0]}: the subject must approve at {url}"
        )
        run.phase = Phase.POLLING
        ctx.schedule(run, 0.0)

    def poll(self, ctx: Context, runs: list[JobRun]) -> None:
        """Look at each twin's group (or, for a lost create, for its tag)."""
        for run in runs:
            if run.phase == Phase.ADOPTING:
                self.look_for(ctx, run)
                continue
            record = ctx.journal.record(run.job.key)
            assert record is not None and record.twin is not None
            ctx.submit(
                partial(self._heygen(ctx).get_avatar_group, str(record.twin["group_id"])),
                partial(self.looked_at, ctx, run),
            )

    def looked_at(self, ctx: Context, run: JobRun, future: cf.Future[Any]) -> None:
        """Ready: its videos may start. Consent pending: wait (--wait-consent) or park. Training: poll again."""
        exc = future.exception()
        if exc is not None:
            ctx.poll_failed([run], exc)
            return
        ctx.budget.answered()
        group: AvatarGroup = future.result()
        state, reason = twin_state(group)
        record = ctx.journal.record(run.job.key)
        assert record is not None and record.twin is not None
        twin = {**record.twin, "consent_status": group.consent_status}
        if state == "ready":
            ctx.succeed(run, Event.TASK_SUCCEEDED, (), twin=twin, waiting=None)
        elif state in ("failed", "refused"):
            code = "TRAINING_FAILED" if state == "failed" else "CONSENT_REFUSED"
            ctx.fail(run, Event.TASK_FAILED, code, str(reason), twin=twin, waiting=None)
        elif state == "training":
            ctx.journal.update(run.job.key, twin=twin, waiting="training")
            if not run.accepted_at:
                run.accepted_at = ctx.clock.monotonic()
            age = ctx.clock.monotonic() - run.accepted_at
            ctx.schedule(run, ctx.pacers[self.kind].next(age, self.bound(run)))
        elif not run.consent_asked:
            ctx.journal.update(run.job.key, twin=twin, waiting="consent")
            self.ask_consent(ctx, run)  # a new run: print a fresh URL for the subject
        elif ctx.clock.monotonic() < ctx.consent_deadline:
            ctx.journal.update(run.job.key, twin=twin, waiting="consent")
            ctx.schedule(
                run, min(facts.HEYGEN_CONSENT_POLL_SECONDS, max(0.0, ctx.consent_deadline - ctx.clock.monotonic()))
            )
        else:
            ctx.journal.update(run.job.key, twin=twin, waiting="consent")
            ctx.park(run, "waits for its subject's consent")

    def look_for(self, ctx: Context, run: JobRun) -> None:
        """Find a twin whose create reply was lost by the tag in its name."""
        group = run.job.request.get("group")
        heygen = self._heygen(ctx)
        ctx.submit(
            partial(_find_twin, heygen, run.job.key, str(group) if group else None), partial(self.found, ctx, run)
        )

    def found(self, ctx: Context, run: JobRun, future: cf.Future[Any]) -> None:
        """Adopt the twin found by its tag; if none, the create never happened: create it."""
        exc = future.exception()
        if exc is not None:
            ctx.poll_failed([run], exc)
            return
        ctx.budget.answered()
        hit: tuple[str, str, str | None] | None = future.result()
        if hit is None:
            ctx.roll_back(run, Event.NEVER_HAPPENED)
            ctx.reporter.job_event(run.job.key, "not found", "no twin carries its tag; creating it")
            ctx.make_ready(run)
            return
        ctx.reporter.job_event(run.job.key, "adopted", f"twin group {hit[0]} found by its name tag; not created again")
        self.accepted(ctx, run, *hit)

    def resume(self, ctx: Context, run: JobRun, record: JobRecord) -> None:
        """A create sent by an earlier run whose reply was never recorded: look for it by its tag."""
        run.before = None
        run.phase = Phase.ADOPTING
        ctx.schedule(run, 0.0)


def _find_twin(heygen: HeyGenApi, key: str, group_id: str | None) -> tuple[str, str, str | None] | None:
    """(group id, look id, consent status) of the twin carrying `key`'s tag, or None (a worker thread)."""
    tag = "~" + name_tag(key)
    if group_id is None:
        for group in heygen.list_avatar_groups("private"):
            if str(group.get("name", "")).endswith(tag):
                looks = heygen.list_looks(str(group["id"]))
                look = next((lk for lk in looks if lk.name.endswith(tag)), looks[0] if looks else None)
                return str(group["id"]), look.id if look else "", group.get("consent_status")
        return None
    look = next((lk for lk in heygen.list_looks(group_id) if lk.name.endswith(tag)), None)
    if look is None:
        return None
    return group_id, look.id, heygen.get_avatar_group(group_id).consent_status
