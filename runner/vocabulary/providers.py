"""Providers: one entry each, with what every layer needs to know about it (environment, world, rates, client).

A provider is its client module plus one `register_provider` call (and its emulator under `runner/sandbox/`).
The client is named by import path and built only when a run needs it, so this floor imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

TIKTOK = "tiktok"
HEYGEN = "heygen"
ZEGO = "zego"


@dataclass(frozen=True, slots=True)
class Credential:
    """One environment variable a provider's client reads."""

    variable: str
    secret: bool = True  # never printed, logged or written; hashed where a key is needed (shared rate budgets)
    required: bool = True  # a run that talks to the provider stops before any request when it is unset
    world: bool = False  # names the account the ids live in (recorded in the lockfile's world)


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """Everything about one provider that is not its client's code."""

    name: str
    title: str  # as people write it: "TikTok"
    base_url_variable: str
    default_base_url: str
    credentials: tuple[Credential, ...]
    client: str  # "module:Class", built as Class(settings, clock=, transport=, budget=, pacing=)
    campaign: bool = True  # a campaign may name it (`provider:`); False: its catalog is listed for reference only
    catalog_note: str = ""  # printed under `campaign avatars --provider NAME`
    video_kind: str | None = None  # the kind a video group of this provider makes
    video_options: tuple[str, ...] = ()  # video-group fields sent with each render (e.g. `voice_id`)
    script_max_chars: int | None = None
    qps: float | None = None  # documented (or enforced) requests per second per app; None: only 429s say so
    private_avatars: bool = False  # `campaign avatars --private` lists the account's own avatars
    request_budget_key: str = ""  # the credential variable whose value identifies the app (hashed) for shared rates
    polls_yield_to_creates: bool = False  # creates and polls share one app rate: while creates wait, polls get half
    idempotency_window_seconds: float | None = None  # how long a repeated Idempotency-Key replays the first reply
    max_in_flight: int | None = None  # renders in progress at once by default (`apply.max_in_flight` overrides)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The variables whose values are never shown."""
        return tuple(c.variable for c in self.credentials if c.secret)


_PROVIDERS: dict[str, ProviderSpec] = {}


def register_provider(spec: ProviderSpec) -> ProviderSpec:
    """Add (or replace) a provider; returns it."""
    _PROVIDERS[spec.name] = spec
    return spec


def unregister_provider(name: str) -> None:
    """Remove a provider (tests that register a throwaway one)."""
    _PROVIDERS.pop(name, None)


def provider(name: str) -> ProviderSpec:
    """The entry of a provider; KeyError for an unknown name."""
    return _PROVIDERS[name]


def providers() -> Iterator[ProviderSpec]:
    """Every provider, in registration order."""
    return iter(tuple(_PROVIDERS.values()))


def campaign_providers() -> tuple[str, ...]:
    """The names a campaign file may use for `provider:`."""
    return tuple(p.name for p in _PROVIDERS.values() if p.campaign)


# --- the built-in providers ------------------------------------------------------------------------
register_provider(
    ProviderSpec(
        name=TIKTOK,
        title="TikTok",
        base_url_variable="TIKTOK_API_BASE_URL",
        default_base_url="https://business-api.tiktok.com/open_api/v1.3",
        credentials=(
            Credential("TIKTOK_ACCESS_TOKEN"),
            Credential("TIKTOK_ADVERTISER_ID", secret=False, required=False, world=True),
        ),
        client="runner.providers.tiktok:TikTokClient",
        video_kind="avatar_video",
        script_max_chars=2000,
        qps=10,
        request_budget_key="TIKTOK_ACCESS_TOKEN",
        polls_yield_to_creates=True,
    )
)
register_provider(
    ProviderSpec(
        name=HEYGEN,
        title="HeyGen",
        base_url_variable="HEYGEN_API_BASE_URL",
        default_base_url="https://api.heygen.com",
        credentials=(Credential("HEYGEN_API_KEY"),),
        client="runner.providers.heygen:HeyGenClient",
        video_kind="heygen_video",
        video_options=("voice_id", "aspect_ratio"),
        script_max_chars=5000,
        qps=10,
        private_avatars=True,
        request_budget_key="HEYGEN_API_KEY",
        idempotency_window_seconds=24 * 3600,  # "replays the original reply within 24 hours", even a failed render's
        max_in_flight=10,  # pay-as-you-go: "at most 10 generation jobs in progress at once" (tiers 1 / 3 / 6 / 10)
    )
)
register_provider(
    ProviderSpec(
        name=ZEGO,
        title="ZEGO",
        base_url_variable="ZEGO_API_BASE_URL",
        default_base_url="https://aigc-digitalhuman-api.zegotech.cn",
        credentials=(Credential("ZEGO_APP_ID", secret=False), Credential("ZEGO_SERVER_SECRET")),
        client="runner.providers.zego:ZegoClient",
        campaign=False,
        qps=10,
        request_budget_key="ZEGO_APP_ID",
    )
)
