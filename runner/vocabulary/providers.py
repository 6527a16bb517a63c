"""Providers: one entry each, with what every layer needs to know about it (environment, world, rates, client).

A provider is its client module plus one `register_provider` call (and its emulator under `runner/sandbox/`).
The client is named by import path and built only when a run needs it, so this floor imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

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
class VideoOption:
    """A video-group field a provider's renders take: `voice` in the campaign file, sent as `voice_id`."""

    field: str  # the key in a video group of the campaign file
    request: str  # the key in the render request (and so in the job key)
    default: str | None = None  # None: the group must give it
    hint: str = ""  # what the value is, for the message when it is missing


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
    campaign_default: bool = False  # the provider of a campaign file that names none
    catalog_note: str = ""  # printed after `campaign avatars --provider NAME`'s count
    video_kind: str | None = None  # the kind a video group of this provider makes
    video_options: tuple[VideoOption, ...] = ()  # video-group fields sent with each render
    script_max_chars: int | None = None
    script_emoji: bool = True  # a script may carry emoji and pictographs (TikTok's API cannot read them)
    max_in_flight: int | None = None  # renders in progress at once the account allows (`apply.max_in_flight`)
    qps: float | None = None  # documented (or enforced) requests per second per app; None: only 429s say so
    private_avatars: bool = False  # `campaign avatars --private` lists the account's own avatars
    request_budget_key: str = ""  # the credential variable whose value identifies the app (hashed) for shared rates
    polls_yield_to_creates: bool = False  # creates and polls share one app rate: while creates wait, polls get half
    idempotency_window_seconds: float | None = None  # how long a repeated Idempotency-Key replays the first reply
    charges_failed_renders: bool | None = None  # whether a render that fails is paid for; None: not documented
    # refusal codes that hold for now, not for good (a source URL it could not fetch): a later apply retries the job
    retry_later_codes: frozenset[str] = frozenset()

    @property
    def secrets(self) -> tuple[str, ...]:
        """The variables whose values are never shown."""
        return tuple(c.variable for c in self.credentials if c.secret)

    @property
    def required(self) -> tuple[str, ...]:
        """The variables a run that talks to this provider needs set."""
        return tuple(c.variable for c in self.credentials if c.required)

    @property
    def account(self) -> str | None:
        """The variable naming the account its ids live in (recorded in a lockfile's world), if any."""
        return next((c.variable for c in self.credentials if c.world), None)


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


def default_provider() -> str:
    """The provider of a campaign file (and of `campaign avatars`) that names none."""
    return next(p.name for p in _PROVIDERS.values() if p.campaign_default)


def secret_variables() -> tuple[str, ...]:
    """Every registered provider's secret variables."""
    return tuple(v for p in _PROVIDERS.values() for v in p.secrets)


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
        campaign_default=True,
        video_kind="avatar_video",
        script_max_chars=2000,
        script_emoji=False,
        qps=10,
        request_budget_key="TIKTOK_ACCESS_TOKEN",
        polls_yield_to_creates=True,
        retry_later_codes=frozenset({"40011"}),  # the video URL could not be fetched: it may be reachable later
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
        video_options=(
            VideoOption("voice", "voice_id", hint="a HeyGen voice id"),
            VideoOption("aspect_ratio", "aspect_ratio", default="9:16"),
        ),
        script_max_chars=5000,
        qps=10,
        private_avatars=True,
        request_budget_key="HEYGEN_API_KEY",
        idempotency_window_seconds=24 * 3600,  # "replays the original reply within 24 hours", even a failed render's
        max_in_flight=10,  # pay-as-you-go: "at most 10 generation jobs in progress at once" (tiers 1 / 3 / 6 / 10)
        charges_failed_renders=False,  # "Credits are charged when a video completes, not for failed jobs."
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
        catalog_note="for reference: ZEGO is not a campaign provider, so these ids cannot go in a campaign file",
        qps=10,
        request_budget_key="ZEGO_APP_ID",
    )
)
