"""Job kinds: what a job makes, and the facts every layer reads about each kind (key prefix, order, batches)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from runner.vocabulary.providers import HEYGEN, TIKTOK


class JobKind(StrEnum):
    """The built-in kinds (a registered kind is any other name with a KindSpec)."""

    AVATAR_VIDEO = "avatar_video"
    UPLOAD = "upload"
    REFRESH_VIDEO = "refresh_video"
    HEYGEN_VIDEO = "heygen_video"
    HEYGEN_AVATAR = "heygen_avatar"  # a digital twin, made from footage once its subject consents


class Notice(StrEnum):
    """A provider's notice a run must acknowledge before it sends or fetches such jobs."""

    UPLOAD = "upload"  # assets sent to the provider for AI generation
    DOWNLOAD = "download"  # videos the provider's AI made, fetched to disk


@dataclass(frozen=True, slots=True)
class Costs:
    """What a kind's jobs cost a run in requests and time: the plan's estimate (docs/plan-format.md)."""

    create_batch: int = 1  # jobs one create request carries
    poll_batch: int = 0  # task ids one status request carries; 0: the job is never polled
    task_per_video: bool = False  # a job has a task per video it makes (a RECOMMENDED refresh: 4), not just one
    per_job: int = 0  # further requests each job makes (a twin's consent)
    resumed_creates: bool = True  # a job that resumes a pending or submitted record still counts its create
    processing_seconds: float = 0.0  # the provider's processing time once created
    processing_by_script: bool = False  # its documented processing bound grows with the longest script
    creates_per_minute: int = 0  # a create endpoint paced per minute, whose waits add to the run (0: not paced)


@dataclass(frozen=True, slots=True)
class KindSpec:
    """Everything about one job kind that is not its driver's code."""

    name: str
    prefix: str  # of the job key: `av-0123456789abcdef`
    provider: str
    level: int  # plan order: twins (0) before videos (1) before uploads (2) before refreshes (3)
    label: str  # "avatar video", for summaries
    driver: str  # "module:Class" of its engine driver, imported when a run needs it
    makes_videos: bool = True  # its jobs end in videos the provider made, which apply downloads
    notices: tuple[Notice, ...] = ()  # acknowledged before a run creates (UPLOAD) or downloads (DOWNLOAD) it
    tagged_name: bool = False  # its provider-side name carries the key's `~tag`, so a lost create is found by it
    free: bool = False  # sends the provider an asset and makes nothing: no quota, no export row, no gallery card
    twin: bool = False  # a digital twin made from footage: it waits for its subject's consent
    tally: tuple[str, str] = ("", "")  # (one, many) as `campaign validate` counts it; empty: the label
    tally_when_none: bool = True  # `campaign validate` names it even when the campaign has none
    costs: Costs = Costs()
    presence: str = ""  # "module:function" asking the provider whether its videos still exist (`campaign drift`)

    @property
    def counted_as(self) -> tuple[str, str]:
        """How `campaign validate` counts its jobs: (one, many)."""
        return self.tally if self.tally[0] else (self.label, self.label + "s")


_KINDS: dict[str, KindSpec] = {}


def register_kind(spec: KindSpec) -> KindSpec:
    """Add (or replace) a job kind; returns it."""
    _KINDS[spec.name] = spec
    return spec


def unregister_kind(name: str) -> None:
    """Remove a kind (tests that register a throwaway one)."""
    _KINDS.pop(name, None)


def kind(name: str) -> KindSpec:
    """The entry of a kind; KeyError for an unknown name."""
    return _KINDS[name]


def kinds() -> Iterator[KindSpec]:
    """Every kind, in registration order."""
    return iter(tuple(_KINDS.values()))


def known_kind(name: str) -> KindSpec | None:
    """The entry of a kind, or None for a name no kind has."""
    return _KINDS.get(name)


def twin_kinds() -> tuple[KindSpec, ...]:
    """The kinds that make digital twins."""
    return tuple(k for k in _KINDS.values() if k.twin)


def key_pattern() -> re.Pattern[str]:
    """`^(av|up|...)-[0-9a-f]{16}$`: what a job key looks like."""
    prefixes = "|".join(sorted(k.prefix for k in _KINDS.values()))
    return re.compile(rf"^({prefixes})-[0-9a-f]{{16}}$")


# --- the built-in kinds --------------------------------------------------------------------------------
# Registration order (JobKind's) is the order the lockfile schema lists them, `campaign validate` counts them and
# the estimate looks for a processing time in.
_DRIVERS = "runner.execute.drivers"
_PRESENCE = "runner.execute.presence"
register_kind(
    KindSpec(
        JobKind.AVATAR_VIDEO,
        "av",
        TIKTOK,
        1,
        "avatar video",
        f"{_DRIVERS}.avatar:AvatarVideos",
        notices=(Notice.DOWNLOAD,),
        presence=f"{_PRESENCE}:avatar_tasks",
        tagged_name=True,
        costs=Costs(create_batch=5, poll_batch=5, resumed_creates=False, processing_by_script=True),
    )
)
register_kind(
    KindSpec(
        JobKind.UPLOAD,
        "up",
        TIKTOK,
        2,
        "upload",
        f"{_DRIVERS}.upload:Uploads",
        makes_videos=False,
        notices=(Notice.UPLOAD,),
        free=True,
    )
)
register_kind(
    KindSpec(
        JobKind.REFRESH_VIDEO,
        "rf",
        TIKTOK,
        3,
        "refresh video",
        f"{_DRIVERS}.refresh:RefreshVideos",
        notices=(Notice.DOWNLOAD,),
        presence=f"{_PRESENCE}:refresh_tasks",
        tally=("refresh", "refresh"),
        costs=Costs(
            poll_batch=5, task_per_video=True, resumed_creates=False, processing_seconds=60.0, creates_per_minute=5
        ),
    )
)
register_kind(
    KindSpec(
        JobKind.HEYGEN_VIDEO,
        "hg",
        HEYGEN,
        1,
        "HeyGen video",
        f"{_DRIVERS}.render:RenderVideos",  # the generic render driver
        tagged_name=True,  # its title
        presence=f"{_PRESENCE}:renders",
        tally=("avatar video", "avatar videos"),
        # "Renders typically take 5-15 minutes": the bound caps poll intervals and sizes the ETA
        costs=Costs(poll_batch=1, processing_seconds=15 * 60.0),
    )
)
register_kind(
    KindSpec(
        JobKind.HEYGEN_AVATAR,
        "ha",
        HEYGEN,
        0,
        "digital twin",
        f"{_DRIVERS}.twins:HeyGenTwins",
        makes_videos=False,
        tagged_name=True,
        twin=True,
        tally_when_none=False,
        costs=Costs(poll_batch=1, per_job=1),  # create, consent, then look at the group
    )
)
