"""HeyGen digital twins: create from footage, ask the subject's consent, wait for training.

A twin's create has no Idempotency-Key: its name carries the job's `~tag`, and a lost reply is
adopted by finding that tag among the account's private groups (or the given group's looks).
The consent URL is printed for the person who must approve, sent to the people named for consent
(once per consent request and person: the lockfile records whom it reached) and never written to any file.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from runner import api_facts as facts
from runner.execute.adoption import TwinFound, find_twin
from runner.execute.consent_notice import ConsentNotice, untold, with_told
from runner.execute.drivers.base import DriverBase, DriverParts
from runner.execute.ports import twin_api
from runner.execute.runs import JobRun
from runner.lock.records import JobRecord
from runner.providers.errors import OutcomeUnknown
from runner.providers.footage import FootageFile, FootageSource, FootageUrl
from runner.providers.models import AvatarGroup, TwinCreated
from runner.vocabulary.names import tagged_video_name
from runner.vocabulary.states import Event, Phase

TRAINING_SECONDS = 600.0  # undocumented; polls of a training twin are paced against this bound
LOST_CREATE_SECONDS = 120.0  # a lost create is looked for this long after it was sent (3 x a request's life)
LOOK_AGAIN_SECONDS = 10.0


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


class HeyGenTwins(DriverBase):
    """Digital twins: one create, the consent flow, then training; their videos wait for them."""

    def __init__(self, parts: DriverParts) -> None:
        super().__init__(parts)
        self.consent_deadline = self.clock.monotonic() + self.options.wait_consent_seconds

    def bound(self, run: JobRun) -> float:
        """Training time (undocumented)."""
        return TRAINING_SECONDS

    def create(self, runs: list[JobRun]) -> None:
        """Write ahead (with the tagged name), then send the create."""
        run = runs[0]
        name = tagged_video_name(run.job.name or run.key, run.key, limit=facts.HEYGEN_TWIN_NAME_MAX_CHARS)
        self.ledger.write_ahead(run, video_name=name)
        self.ledger.flush()
        group = run.job.request.get("group")
        self.scheduler.submit(
            partial(twin_api(self.client()).create_digital_twin, name, footage_of(run), str(group) if group else None),
            self.replies.create(runs, partial(self.created, run), partial(self.lost, run)),
            create=self.kind,
        )

    def created(self, run: JobRun, made: TwinCreated) -> None:
        """Record the group and look, then start the consent flow."""
        self.accepted(run, made.group_id, made.look_id, made.consent_status)

    def lost(self, run: JobRun, exc: OutcomeUnknown) -> None:
        """Adopt by tag when the reply was lost."""
        self.ledger.note(run, Event.REPLY_LOST)
        run.phase, run.lost_at = Phase.ADOPTING, self.clock.monotonic()
        self.reporter.job_event(run.key, "reply lost", "looking for the twin by its name tag")
        self.look_for(run)

    def accepted(self, run: JobRun, group_id: str, look_id: str, consent: str | None) -> None:
        """The twin exists: record its ids (the consent URL is never recorded), then ask for consent."""
        self.ledger.accept(run, (group_id,))
        twin = {"group_id": group_id, "look_id": look_id, "consent_status": consent}
        self.ledger.amend(run.key, twin=twin, waiting="consent")
        self.reporter.job_event(run.key, "created", f"digital twin group {group_id}, look {look_id}")
        self.ask_consent(run)

    def ask_consent(self, run: JobRun) -> None:
        """Start the consent flow and print the URL for the subject."""
        record = self.ledger.record(run.key)
        assert record is not None and record.twin is not None
        reroute = run.job.local.get("reroute_url")
        run.consent_asked = True
        self.scheduler.submit(
            partial(twin_api(self.client()).start_consent, str(record.twin["group_id"]), reroute),
            self.replies.poll([run], partial(self.consent_started, run)),
        )

    def consent_started(self, run: JobRun, started: tuple[str, str | None]) -> None:
        """Show the consent URL (and send it to the people named for consent), then look at the group."""
        url = started[0]
        self.ledger.consent_urls[run.key] = url
        self.reporter.consent_url(run.key, run.job.addresses[0], url)
        self.tell_consent(run, url)
        run.phase = Phase.POLLING
        self.scheduler.schedule(run, 0.0)

    def tell_consent(self, run: JobRun, url: str) -> None:
        """Send the consent URL to the people named for consent that this consent request has not reached yet."""
        notifier = self.parts.ports.consent_notifier
        record = self.ledger.record(run.key)
        if notifier is None or record is None or record.twin is None:
            return
        targets = untold(str(record.twin["group_id"]), run.job.local_list("consent_notify"), record.twin)
        if not targets:
            return
        notice = ConsentNotice(self.owner, run.job.name or run.key, run.job.addresses[0], url)
        self.scheduler.submit_local(partial(notifier, notice, targets), partial(self.told, run))

    def told(self, run: JobRun, future: Future[tuple[str, ...]]) -> None:
        """Record whom the consent request reached, so a later run does not ask them again."""
        reached = () if future.exception() is not None else future.result()
        record = self.ledger.record(run.key)
        if reached and record is not None and record.twin is not None:
            at = datetime.fromtimestamp(self.clock.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.ledger.amend(run.key, twin=with_told(record.twin, reached, at))
            self.ledger.flush()
            self.reporter.job_event(run.key, "consent sent", f"to {len(reached)} of the people named for consent")

    def poll(self, runs: list[JobRun]) -> None:
        """Look at each twin's group (or, for a lost create, for its tag)."""
        for run in runs:
            if run.phase == Phase.ADOPTING:
                self.look_for(run)
                continue
            record = self.ledger.record(run.key)
            assert record is not None and record.twin is not None
            self.scheduler.submit(
                partial(twin_api(self.client()).get_avatar_group, str(record.twin["group_id"])),
                self.task_poll([run], partial(self.looked_at, run)),
            )

    def looked_at(self, run: JobRun, group: AvatarGroup) -> None:
        """Ready: its videos may start. Failed or refused: it fails. Training: poll again. Consent: wait or park."""
        state, reason = twin_state(group)
        record = self.ledger.record(run.key)
        assert record is not None and record.twin is not None
        twin = {**record.twin, "consent_status": group.consent_status}
        if state == "ready":
            self.ledger.succeed(run, Event.TASK_SUCCEEDED, (), twin=twin, waiting=None)
        elif state in ("failed", "refused"):
            code = "TRAINING_FAILED" if state == "failed" else "CONSENT_REFUSED"
            self.ledger.fail(run, Event.TASK_FAILED, code, str(reason), twin=twin, waiting=None)
        elif state == "training":
            self.ledger.amend(run.key, twin=twin, waiting="training")
            if not run.accepted_at:
                run.accepted_at = self.clock.monotonic()
            self.poll_again(run)
        else:
            self.ledger.amend(run.key, twin=twin, waiting="consent")
            self.awaiting_consent(run)

    def awaiting_consent(self, run: JobRun) -> None:
        """A new run prints a fresh URL; then look again until --wait-consent is up, and park."""
        now = self.clock.monotonic()
        if not run.consent_asked:
            self.ask_consent(run)
        elif now < self.consent_deadline:
            self.scheduler.schedule(run, min(facts.HEYGEN_CONSENT_POLL_SECONDS, max(0.0, self.consent_deadline - now)))
        else:
            self.ledger.park(run, "waits for its subject's consent")

    def look_for(self, run: JobRun) -> None:
        """Find a twin whose create reply was lost by the tag in its name."""
        group = run.job.request.get("group")
        finder = partial(find_twin, twin_api(self.client()), run.key, str(group) if group else None)
        self.scheduler.submit(finder, self.replies.poll([run], partial(self.found, run)))

    def found(self, run: JobRun, hit: TwinFound | None) -> None:
        """Adopt the twin found by its tag; if none, the create never happened: create it."""
        if hit is None:
            left = LOST_CREATE_SECONDS - (self.clock.monotonic() - run.lost_at)
            if left > 0:  # the create may still reach HeyGen (a slow gateway, a retried connection)
                self.scheduler.schedule(run, min(LOOK_AGAIN_SECONDS, left))
                return
            if self.ledger.never_happened(run, "its create's reply was lost and no twin carries its tag"):
                self.reporter.job_event(
                    run.key, "not found", "no twin carries its tag after it could have been made; a new attempt"
                )
                self.replies.again(run)
            return
        self.reporter.job_event(run.key, "adopted", f"twin group {hit[0]} found by its name tag; not created again")
        self.accepted(run, *hit)

    def resume_pending(self, run: JobRun, record: JobRecord) -> None:
        """A create sent by an earlier run whose reply was never recorded: look for it by its tag, from now on.

        That runner may have been paused with the create on its way: it can reach HeyGen after this run began.
        """
        run.before = None
        run.phase, run.lost_at = Phase.ADOPTING, self.clock.monotonic()
        self.scheduler.schedule(run, 0.0)

    def resume_submitted(self, run: JobRun, record: JobRecord) -> None:
        """Look at the group at once; training is timed from when it is first seen."""
        super().resume_submitted(run, record)
        run.accepted_at = 0.0
