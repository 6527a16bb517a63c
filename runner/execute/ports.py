"""What the engine needs from the outside: the provider clients, a reporter, options and results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from runner.lock.lockfile import Lockfile
from runner.providers.budget import DEFAULT_TRANSIENT_ATTEMPTS, DEFAULT_TRANSIENT_SECONDS, TransientBudget
from runner.providers.footage import FootageSource
from runner.providers.models import (
    AvatarGroup,
    AvatarTask,
    CatalogAvatar,
    CreatedTask,
    HeyGenVideo,
    RefreshTask,
    TwinCreated,
    VideoInfo,
)


class TikTokApi(Protocol):
    """The TikTok client methods the engine uses (a fake implements them in tests)."""

    request_count: int

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]: ...
    def get_avatar_tasks(self, task_ids: list[str]) -> list[AvatarTask]: ...
    def list_avatar_videos(self, *, avatar_id: str | None = None) -> list[VideoInfo]: ...
    def rename_video(self, video_id: str, name: str) -> None: ...
    def upload_video_by_url(self, url: str) -> str: ...
    def create_refresh_task(
        self, video_id: str, strategies: list[str], add_hook: dict[str, str] | None
    ) -> list[str]: ...
    def get_refresh_tasks(self, task_ids: list[str]) -> list[RefreshTask]: ...


class HeyGenApi(Protocol):
    """The HeyGen client methods the engine uses."""

    request_count: int

    def create_video(
        self, *, avatar_id: str, script: str, voice_id: str, aspect_ratio: str, idempotency_key: str
    ) -> str: ...
    def get_video(self, video_id: str) -> HeyGenVideo: ...
    def create_digital_twin(self, name: str, footage: FootageSource, group_id: str | None = None) -> TwinCreated: ...
    def start_consent(self, group_id: str, reroute_url: str | None = None) -> tuple[str, str | None]: ...
    def get_avatar_group(self, group_id: str) -> AvatarGroup: ...
    def list_avatar_groups(self, ownership: str | None = None) -> list[dict[str, Any]]: ...
    def list_looks(self, group_id: str | None = None) -> list[CatalogAvatar]: ...


class Reporter(Protocol):
    """Where the engine tells what happens."""

    def job_event(self, key: str, event: str, detail: str = "") -> None: ...
    def progress(self, done: int, in_flight: int, failed: int, total: int, eta_seconds: float | None) -> None: ...


class SilentReporter:
    """Reports nothing."""

    def job_event(self, key: str, event: str, detail: str = "") -> None:
        """Ignore."""

    def progress(self, done: int, in_flight: int, failed: int, total: int, eta_seconds: float | None) -> None:
        """Ignore."""


@dataclass(frozen=True)
class Providers:
    """The clients a run may use (None: not needed or not configured)."""

    tiktok: TikTokApi | None = None
    heygen: HeyGenApi | None = None
    budget: TransientBudget | None = None  # the clients' transient budget, which the engine shares (None: its own)


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
    heygen_max_in_flight: int = 3  # concurrent HeyGen renders the plan tier allows
    stop_grace_seconds: float = 5.0  # after an interrupt, how long replies of requests already sent are awaited
    wait_consent_seconds: float = 0.0  # how long a digital twin's consent is waited for before the run parks it


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
