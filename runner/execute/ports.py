"""What the engine needs from the outside: the provider clients by name, a reporter, the clock, options and results."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from runner.clock import Clock
from runner.execute.consent_notice import ConsentNotifier
from runner.lock.records import Lockfile
from runner.providers.budget import DEFAULT_TRANSIENT_ATTEMPTS, DEFAULT_TRANSIENT_SECONDS, TransientBudget
from runner.providers.footage import FootageSource
from runner.providers.models import (
    AvatarGroup,
    AvatarTask,
    CatalogAvatar,
    CreatedTask,
    RefreshTask,
    TwinCreated,
    VideoInfo,
)
from runner.vocabulary.kinds import kind
from runner.vocabulary.providers import provider as provider_entry


@runtime_checkable
class TikTokApi(Protocol):
    """The TikTok client methods the engine uses (a fake implements them in tests)."""

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]: ...
    def get_avatar_tasks(self, task_ids: list[str]) -> list[AvatarTask]: ...
    def list_avatar_videos(self, *, avatar_id: str | None = None, start_date: str | None = None) -> list[VideoInfo]: ...
    def rename_video(self, video_id: str, name: str) -> None: ...
    def upload_video_by_url(self, url: str) -> str: ...
    def create_refresh_task(
        self, video_id: str, strategies: list[str], add_hook: dict[str, str] | None
    ) -> list[str]: ...
    def get_refresh_tasks(self, task_ids: list[str]) -> list[RefreshTask]: ...


@runtime_checkable
class TwinApi(Protocol):
    """The HeyGen client methods digital twins use."""

    def create_digital_twin(self, name: str, footage: FootageSource, group_id: str | None = None) -> TwinCreated: ...
    def start_consent(self, group_id: str, reroute_url: str | None = None) -> tuple[str, str | None]: ...
    def get_avatar_group(self, group_id: str) -> AvatarGroup: ...
    def list_avatar_groups(self, ownership: str | None = None) -> list[dict[str, Any]]: ...
    def list_looks(self, group_id: str | None = None) -> list[CatalogAvatar]: ...


def tiktok_api(client: object) -> TikTokApi:
    """The client as the TikTok API (MissingClient when it is not one)."""
    if not isinstance(client, TikTokApi):
        raise MissingClient(f"{type(client).__name__} does not offer the TikTok methods the engine uses")
    return client


def twin_api(client: object) -> TwinApi:
    """The client as HeyGen's digital-twin API (MissingClient when it is not one)."""
    if not isinstance(client, TwinApi):
        raise MissingClient(f"{type(client).__name__} does not offer the digital-twin methods the engine uses")
    return client


class Reporter(Protocol):
    """Where the engine tells what happens."""

    def job_event(self, key: str, event: str, detail: str = "") -> None: ...
    def progress(self, done: int, in_flight: int, failed: int, total: int, eta_seconds: float | None) -> None: ...
    def consent_url(self, key: str, where: str, url: str) -> None: ...


class SilentReporter:
    """Reports nothing."""

    def job_event(self, key: str, event: str, detail: str = "") -> None:
        """Ignore."""

    def consent_url(self, key: str, where: str, url: str) -> None:
        """Ignore (never written anywhere)."""

    def progress(self, done: int, in_flight: int, failed: int, total: int, eta_seconds: float | None) -> None:
        """Ignore."""


class MissingClient(Exception):
    """A job needs a provider whose client the run was not given: a bug of the caller."""


@dataclass(frozen=True)
class Providers:
    """The clients a run may use, by provider name (a provider not listed is not needed or not configured)."""

    clients: Mapping[str, object] = field(default_factory=dict)
    budget: TransientBudget | None = None  # the clients' transient budget, which the engine shares (None: its own)

    def client(self, name: str) -> object | None:
        """The client of a provider, or None."""
        return self.clients.get(name)

    def need(self, name: str) -> object:
        """The client of a provider a job needs (MissingClient when the run was given none)."""
        client = self.clients.get(name)
        if client is None:
            raise MissingClient(f"no {name} client was given to this run")
        return client

    @classmethod
    def for_kinds(
        cls, kinds: Iterable[str], build: Callable[[str], object], budget: TransientBudget | None = None
    ) -> Providers:
        """One client for each provider the kinds' jobs talk to, built by `build(provider name)`."""
        names = sorted({kind(name).provider for name in kinds})
        return cls({name: build(name) for name in names}, budget)


@dataclass(frozen=True)
class ExecuteOptions:
    """How to run."""

    parallelism: int = 8
    artifacts_dir: Path | None = None  # None: no downloads
    downloads: bool = True
    transient_attempts: int = (
        DEFAULT_TRANSIENT_ATTEMPTS  # transient failures in a row before the run stops (any reply resets it)
    )
    transient_seconds: float = DEFAULT_TRANSIENT_SECONDS  # or seconds since the first of them
    retry_unknown: bool = False  # re-create pending refreshes (pays again): the user agreed
    unknown_allowance: int = 0  # creates of unknown outcome the spec lets a run pay again (`apply.retry_unknown`)
    max_retries: int = 1  # attempts beyond the first a job may make (`apply.max_retries`)
    max_in_flight: Mapping[str, int] = field(default_factory=dict)  # renders in flight per provider, when capped
    stop_grace_seconds: float = 5.0  # after an interrupt, how long replies of requests already sent are awaited
    wait_consent_seconds: float = 0.0  # how long a digital twin's consent is waited for before the run parks it
    foreign_videos: Mapping[str, str] = field(
        default_factory=dict
    )  # ids other lockfiles record -> which: never adopted

    def in_flight_cap(self, provider: str) -> int | None:
        """Renders a provider may have in flight at once: as set, else its entry's default (None: only `parallelism`)."""
        if provider in self.max_in_flight:
            return self.max_in_flight[provider]
        return provider_entry(provider).max_in_flight


@dataclass(frozen=True)
class Ports:
    """The outside world of one run: clients, options, clock, reporter and who tells people of consent."""

    providers: Providers
    options: ExecuteOptions
    clock: Clock
    reporter: Reporter
    consent_notifier: ConsentNotifier | None = None  # tells the people named for a twin's consent (apply only)

    @property
    def downloads(self) -> bool:
        """Whether finished videos are fetched to disk."""
        return self.options.downloads and self.options.artifacts_dir is not None


@dataclass(frozen=True)
class ApplyResult:
    """What a run did."""

    lockfile: Lockfile
    succeeded: tuple[str, ...]
    failed: tuple[str, ...]
    skipped: tuple[str, ...]  # blocked: a job they depend on failed
    videos_created: int
    requests: int
    waiting: tuple[str, ...] = ()  # pending refreshes left for the user to decide (`--retry-unknown`)
    unfinished: tuple[str, ...] = ()  # not finished when the run stopped (interrupt, transient budget)
    consent: tuple[str, ...] = ()  # digital twins waiting on their subject's consent, and their videos
    consent_urls: Mapping[str, str] = field(default_factory=dict)  # printed for the subject; never written
    renamed: tuple[str, ...] = ()  # given their new names (at the provider, or in the lockfile)
    forgotten: tuple[str, ...] = ()  # dropped from the lockfile (providers delete nothing)
    rename_failures: Mapping[str, str] = field(default_factory=dict)  # job key -> why; the next apply tries again
    videos_paid: int = 0  # videos the accepted creates pay for, failed renders included
    undownloaded: Mapping[str, str] = field(default_factory=dict)  # succeeded jobs whose videos are not on disk: why
