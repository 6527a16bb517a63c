"""The campaign file as typed, immutable values, built right after validation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.campaignfile.sizes import SizeLimits
from runner.campaignfile.values import Scalar

__all__ = ["Scalar"]


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Where each data path (e.g. `videos[0].scripts[1]`) starts in the file."""

    marks: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: str) -> tuple[int, int]:
        """Return (line, column), 1-based, of `path` or of its nearest recorded parent."""
        while path:
            found = self.marks.get(path)
            if found is not None:
                return found
            path = _parent(path)
        return self.marks.get("", (1, 1))


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


@dataclass(frozen=True, slots=True)
class TwinDef:
    """A HeyGen digital twin to be made from footage: a URL, or a file (with its sha256)."""

    name: str
    footage_url: str | None
    footage_file: Path | None
    footage_sha256: str | None
    group: str | None
    reroute_url: str | None
    consent_notify: tuple[str, ...] = ()  # apprise URLs of the people who receive the consent URL


@dataclass(frozen=True, slots=True)
class AvatarRef:
    """An avatar alias: exactly one of `id`, `name` and `twin` is set."""

    alias: str
    provider: str
    id: str | None
    name: str | None
    twin: TwinDef | None = None


@dataclass(frozen=True, slots=True)
class ScriptDef:
    """A script: Jinja source text, inline or from a template file (`origin`)."""

    id: str
    source: str
    origin: str


@dataclass(frozen=True, slots=True)
class VideoGroup:
    """A matrix of avatar videos."""

    id: str
    index: int
    provider: str
    avatars: tuple[str, ...]
    scripts: tuple[str, ...]
    matrix: tuple[tuple[str, tuple[Scalar, ...]], ...]
    exclude: tuple[Mapping[str, Scalar], ...]
    include: tuple[Mapping[str, Scalar], ...]
    name: str | None
    options: Mapping[str, str | None] = field(default_factory=dict)  # render request fields (`voice_id`...)
    evidence: tuple[str, ...] = ()  # ids of the `evidence:` block that substantiate the group's claims


@dataclass(frozen=True, slots=True)
class HookDef:
    """The hook of an ADD_HOOK refresh."""

    type: str
    product_category: str | None
    product_description: str | None
    holiday_themes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RefreshSource:
    """Either an URL or the produced videos of a video group (`from`, filtered by `where`)."""

    url: str | None
    from_group: str | None
    where: Mapping[str, Scalar]


@dataclass(frozen=True, slots=True)
class RefreshGroup:
    """New variations (hooks, music) of existing or produced videos."""

    id: str
    index: int
    source: RefreshSource
    strategies: tuple[str, ...]
    hook: HookDef | None
    name: str | None


@dataclass(frozen=True, slots=True)
class ApplySettings:
    """The optional `apply:` block."""

    accept_notices: bool = False
    artifacts_dir: str | None = None
    download: bool = True
    max_retries: int = 1
    retry_unknown: int = 0  # creates of unknown outcome (a lost refresh reply) a run may pay again without asking
    transient_attempts: int | None = None  # None: the providers' default (runner/providers/budget.py)
    transient_seconds: float | None = None
    max_in_flight: Mapping[str, int] = field(default_factory=dict)  # provider -> renders in progress at once
    lock_lease: float | None = None  # seconds a state-backend lease lasts without renewal (None: the default)


@dataclass(frozen=True, slots=True)
class Prices:
    """What the user pays per video and per second of script (`budget.prices`); money is shown only from these."""

    per_video: float | None = None
    per_second: float | None = None
    currency: str = "USD"


@dataclass(frozen=True, slots=True)
class BudgetSettings:
    """The optional `budget:` block: video quota limits per apply and over the campaign's life, and a spend cap."""

    max_new_videos: int | None = None
    max_videos: int | None = None
    warn_at: float = 0.8
    prices: Prices | None = None
    max_spend: float | None = None  # money one apply may spend, priced by `prices`


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """An `approval:` block: whether paid jobs need sign-off, and from which roles (none: anyone)."""

    required: bool
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rollout:
    """The `rollout:` block: each wave's share of every group (an int: cells; a float: a fraction of 1)."""

    waves: tuple[int | float, ...]
    max_failure_rate: float = 0.0
    pause: bool = False


@dataclass(frozen=True, slots=True)
class Disclosure:
    """The `disclosure:` block: the spoken text added to every avatar script, and the label provenance carries."""

    label: str | None = None
    spoken: str | None = None
    position: str = "end"  # start | end
    jurisdictions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """The `policy:` block: the packs every rendered script is checked against, and the campaign's level overrides."""

    packs: tuple[str, ...] = ()
    levels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """`expires:` (a date), `refresh_after:` (an age) and, for refresh groups, `every:` (a rotation period)."""

    expires: dt.date | None = None
    refresh_after: float | None = None  # seconds
    every: float | None = None  # seconds

    @property
    def empty(self) -> bool:
        """Whether the group sets none of them."""
        return self.expires is None and self.refresh_after is None and self.every is None


@dataclass(frozen=True, slots=True)
class Spec:
    """A loaded, validated campaign file."""

    path: Path
    campaign: str
    provider: str
    vars: Mapping[str, Any]
    avatars: Mapping[str, AvatarRef]
    scripts: Mapping[str, ScriptDef]
    videos: tuple[VideoGroup, ...]
    refresh: tuple[RefreshGroup, ...]
    apply: ApplySettings
    locations: SourceMap
    template_dirs: tuple[Path, ...]
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    limits: SizeLimits = field(default_factory=SizeLimits)
    approvals: Mapping[str, ApprovalRule] = field(default_factory=dict)  # "" the top level, else a group id
    rollout: Rollout | None = None
    policy: PolicySettings = field(default_factory=PolicySettings)
    evidence: Mapping[str, str] = field(default_factory=dict)  # id -> file path (relative to the spec) or URL
    disclosure: Disclosure | None = None
    lifecycle: Mapping[str, Lifecycle] = field(default_factory=dict)  # group id -> expires, refresh_after, every
    notify: tuple[str, ...] = ()  # apprise URLs of the file's `notify:`
