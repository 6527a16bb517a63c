"""Gallery cards: one per generated video job, from the plan and the lockfile (pure)."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from runner.approvals.status import approval_words
from runner.lock.records import JobRecord
from runner.plan.job import Job
from runner.plan.model import Action, Change, Plan
from runner.plan.requests import RefreshRequest, UploadRequest
from runner.report.address import parse_address
from runner.vocabulary.kinds import known_kind
from runner.vocabulary.states import JobState

# Filter keys taken from the address that are not matrix axes.
NON_AXIS_KEYS = frozenset({"avatar", "script", "holiday_theme"})


class CardState(enum.StrEnum):
    """Where a job stands, as the gallery filters it."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SUBMITTED = "submitted"
    PENDING = "pending"
    PLANNED = "planned"
    FORGOTTEN = "forgotten"


@dataclass(frozen=True, slots=True)
class CardVideo:
    """One output video: its id and where the page finds the file (None when not downloaded)."""

    video_id: str
    src: str | None


@dataclass(frozen=True, slots=True)
class Card:
    """Everything one gallery card shows."""

    key: str
    kind: str
    provider: str
    addresses: tuple[str, ...]
    group: str
    name: str
    avatar: str
    avatar_id: str
    script_id: str
    script: str
    details: tuple[tuple[str, str], ...]  # (label, value): strategies, hook, voice...
    axes: tuple[tuple[str, str], ...]  # matrix axes and holiday theme, for filters
    state: CardState
    badge: str  # why the card needs attention; "" when it does not
    task_ids: tuple[str, ...]
    video_ids: tuple[str, ...]
    videos: tuple[CardVideo, ...]

    @property
    def title(self) -> str:
        """The video name, or the address when the spec gives no name."""
        return self.name or (self.addresses[0] if self.addresses else self.key)

    @property
    def is_twin(self) -> bool:
        """A digital twin's card: a look to render with, not a video to watch."""
        spec = known_kind(self.kind)
        return spec is not None and spec.twin

    @property
    def filters(self) -> dict[str, str]:
        """The values this card is filtered by, keyed by filter name."""
        return {
            "group": self.group,
            "avatar": self.avatar,
            "script": self.script_id,
            "state": str(self.state),
            **dict(self.axes),
        }


def build_cards(
    plan: Plan,
    lock_jobs: Mapping[str, JobRecord],
    lock_dir: Path,
    out_dir: Path,
) -> tuple[Card, ...]:
    """Cards in plan order (a reviewed plan: the file's); video paths relative to `out_dir` so the page works from file://."""
    cards = []
    jobs = {c.key: c.job for c in plan.changes if c.job is not None}
    for change in plan.changes:
        kind = known_kind(change.job.kind if change.job else change.record.kind if change.record else "")
        if kind is not None and not kind.free:
            card = _card(change, lock_jobs, lock_dir, out_dir)
            if kind.twin:
                card = _twin(card, lock_jobs.get(change.key))
            source = _source(change, jobs, lock_jobs)
            cards.append(replace(card, details=(*source, *card.details)) if source else card)
    return tuple(cards)


def _source(change: Change, jobs: Mapping[str, Job], lock_jobs: Mapping[str, JobRecord]) -> tuple[tuple[str, str], ...]:
    """For a refresh: the video it starts from (a job of this campaign or a URL) and its stock video id."""
    refresh = change.job.payload if change.job is not None else None
    upload = jobs.get(refresh.upload_job) if isinstance(refresh, RefreshRequest) else None
    if upload is None or not isinstance(upload.payload, UploadRequest):
        return ()
    source = upload.payload
    shown = [("source", str(source.source_job or source.url or upload.key))]
    stock = lock_jobs.get(upload.key)
    if stock is not None and stock.stock_video_id:
        shown.append(("stock video id", stock.stock_video_id))
    return tuple(shown)


def _card(change: Change, lock_jobs: Mapping[str, JobRecord], lock_dir: Path, out_dir: Path) -> Card:
    job = change.job
    record = change.record if change.record is not None else lock_jobs.get(change.key)
    request: Mapping[str, Any] = job.request if job is not None else {}
    addresses = job.addresses if job is not None else record.addresses if record is not None else ()
    parsed = parse_address(addresses[0]) if addresses else None
    cell = dict(parsed.cell) if parsed is not None else {}
    state, badge = _state(change, record)
    details = _details(request)
    if change.approval is not None:  # who signed this content off, or which roles it still awaits
        words = approval_words(change.approval.data())
        details = (*details, ("approval", words))
        badge = f"{badge}; {words}" if state is CardState.PLANNED and not change.approval.approved else badge
    return Card(
        key=change.key,
        kind=job.kind if job is not None else record.kind if record is not None else "",
        provider=job.provider if job is not None else record.provider if record is not None else "",
        addresses=tuple(addresses),
        group=parsed.group if parsed is not None else "",
        name=(job.name if job is not None else None) or (record.name if record is not None else None) or "",
        avatar=cell.get("avatar", ""),
        avatar_id=_avatar_id(request.get("avatar_id", ""), lock_jobs),
        script_id=cell.get("script", ""),
        script=str(request.get("script", "")),
        details=details,
        axes=tuple((k, v) for k, v in cell.items() if k not in NON_AXIS_KEYS or k == "holiday_theme"),
        state=state,
        badge=badge,
        task_ids=record.task_ids if record is not None else (),
        video_ids=record.video_ids if record is not None else (),
        videos=_videos(record, lock_dir, out_dir),
    )


def _avatar_id(avatar: Any, lock_jobs: Mapping[str, JobRecord]) -> str:
    """An avatar id as a reviewer reads it: a digital twin's look id once the lockfile has it, never a raw mapping."""
    if not isinstance(avatar, Mapping):
        return str(avatar)
    twin = lock_jobs.get(str(avatar.get("job")))
    look = twin.twin.get("look_id") if twin is not None and twin.twin else None
    return f"look {look}" if look else f"digital twin {avatar.get('job')}: look id known after apply"


def _twin(card: Card, record: JobRecord | None) -> Card:
    """A digital twin's card: its consent or training; never its consent URL (the page is a file, often uploaded)."""
    details = [("digital twin", card.addresses[0] if card.addresses else card.key)]
    if record is not None and record.twin:
        details += [("group", str(record.twin.get("group_id"))), ("look", str(record.twin.get("look_id")))]
        details.append(("consent", str(record.twin.get("consent_status") or "not asked yet")))
    badge = card.badge
    if record is not None and record.waiting == "consent":
        badge = (
            "waits for its subject's consent: run `campaign status SPEC --refresh` on a terminal for the consent URL"
        )
    elif record is not None and record.waiting == "training":
        badge = "consent given: HeyGen is training the twin"
    return replace(card, details=(*details, *card.details), badge=badge, avatar=card.addresses[0].split(".")[-1])


def _state(change: Change, record: JobRecord | None) -> tuple[CardState, str]:
    if change.action is Action.FORGET:
        return CardState.FORGOTTEN, "leaves the spec: the next apply drops it from the lockfile"
    if change.action is Action.REPLACE and change.replaces:
        return CardState.PLANNED, f"the request changed: apply makes a new video (replaces {change.replaces})"
    if record is None:
        return CardState.PLANNED, "not generated yet: apply will create it"
    if record.state == JobState.FAILED:
        reason = f"{record.error.code}: {record.error.message}" if record.error else "no reason recorded"
        return CardState.FAILED, f"failed: {reason}"
    if record.state == JobState.SUBMITTED:
        return CardState.SUBMITTED, "rendering: submitted to the provider, not finished yet"
    if record.state == JobState.PENDING:
        return CardState.PENDING, "pending: apply was interrupted before the provider answered"
    if change.action is Action.RENAME and change.job is not None:
        return CardState.SUCCEEDED, f"will be renamed to {change.job.name}"
    return CardState.SUCCEEDED, ""


def _details(request: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    details: list[tuple[str, str]] = []
    for field, label in (("voice_id", "voice"), ("aspect_ratio", "aspect")):
        if request.get(field):
            details.append((label, str(request[field])))
    strategies = request.get("video_refresh_strategy_list")
    if strategies:
        details.append(("strategies", ", ".join(str(s) for s in strategies)))
    hook = request.get("add_hook")
    if isinstance(hook, Mapping):
        # The holiday theme is shown with the axes (it comes from the address).
        for field, label in (
            ("hook_type", "hook"),
            ("product_category", "product category"),
            ("product_description", "product description"),
        ):
            if hook.get(field):
                details.append((label, str(hook[field])))
    return tuple(details)


def _videos(record: JobRecord | None, lock_dir: Path, out_dir: Path) -> tuple[CardVideo, ...]:
    if record is None:
        return ()
    files = {a.video_id: a for a in record.artifacts}
    videos = []
    for video_id in record.video_ids:
        artifact = files.get(video_id)
        src = None
        if artifact is not None and (lock_dir / artifact.path).is_file():
            src = os.path.relpath(lock_dir / artifact.path, out_dir).replace(os.sep, "/")
        videos.append(CardVideo(video_id, src))
    return tuple(videos)
