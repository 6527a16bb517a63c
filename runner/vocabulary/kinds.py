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
class KindSpec:
    """Everything about one job kind that is not its driver's code."""

    name: str
    prefix: str  # of the job key: `av-0123456789abcdef`
    provider: str
    level: int  # plan order: twins (0) before videos (1) before uploads (2) before refreshes (3)
    label: str  # "avatar video", for summaries
    driver: str  # "module:Class" of its engine driver, imported when a run needs it
    makes_videos: bool = True  # paid videos: counted in budgets, downloaded, shown in the gallery
    notices: tuple[Notice, ...] = ()  # acknowledged before a run creates (UPLOAD) or downloads (DOWNLOAD) it
    renamable: bool = False  # the provider can rename its video, so a new name is a rename, not a replace
    tagged_name: bool = False  # its provider-side name carries the key's `~tag`, so a lost create is found by it
    processing_seconds: float | None = None  # its task's documented (or assumed) time: paces polls


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


def key_pattern() -> re.Pattern[str]:
    """`^(av|up|...)-[0-9a-f]{16}$`: what a job key looks like."""
    prefixes = "|".join(sorted(k.prefix for k in _KINDS.values()))
    return re.compile(rf"^({prefixes})-[0-9a-f]{{16}}$")


def kind_of_key(key: str) -> KindSpec | None:
    """The kind a job key's prefix names (None when no kind has it)."""
    prefix = key.split("-", 1)[0]
    return next((k for k in _KINDS.values() if k.prefix == prefix), None)


# --- the built-in kinds --------------------------------------------------------------------------------
_DRIVERS = "runner.execute.drivers"
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
    )
)
register_kind(
    KindSpec(
        JobKind.AVATAR_VIDEO,
        "av",
        TIKTOK,
        1,
        "avatar video",
        f"{_DRIVERS}.avatar:AvatarVideos",
        notices=(Notice.DOWNLOAD,),
        renamable=True,
        tagged_name=True,
    )
)
register_kind(
    KindSpec(
        JobKind.HEYGEN_VIDEO,
        "hg",
        HEYGEN,
        1,
        "HeyGen video",
        f"{_DRIVERS}.render:RenderVideos",  # HeyGen renders through the generic render driver
        tagged_name=True,  # its title
        processing_seconds=15 * 60.0,  # "Renders typically take 5-15 minutes": the bound caps poll intervals
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
    )
)
