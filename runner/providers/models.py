"""Typed results of the provider clients."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from runner.vocabulary.tasks import TaskStatus

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CatalogAvatar:
    """An avatar in a provider's catalog."""

    id: str
    name: str
    provider: str
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CreatedTask:
    """One material package's answer to an avatar-video create."""

    task_id: str | None
    package_id: str | None
    error_msg: str | None


@dataclass(frozen=True, slots=True)
class AvatarTask:
    """The state of an avatar-video task."""

    task_id: str
    status: TaskStatus
    video_name: str
    video_id: str | None
    preview_url: str | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RefreshTask:
    """The state of a refresh task."""

    task_id: str
    status: TaskStatus
    video_id: str | None
    video_name: str
    preview_url: str | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """A video in a provider's video list."""

    video_id: str
    video_name: str
    create_time: str
    preview_url: str | None
    avatar_id: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a paged list: its items, its number (from 1) and how many pages the list has."""

    items: tuple[T, ...]
    number: int
    total: int

    @property
    def last(self) -> bool:
        """No page follows this one."""
        return self.number >= self.total


@dataclass(frozen=True, slots=True)
class HeyGenVideo:
    """The state of a HeyGen render; `error` says why a failed one failed (from `failure_code`/`failure_message`)."""

    video_id: str
    status: TaskStatus
    video_url: str | None
    error: str | None
    failure_code: str | None = None
    failure_message: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class TwinCreated:
    """A digital twin just created: its group (character) and look (the id videos render with)."""

    group_id: str
    look_id: str
    consent_status: str | None


@dataclass(frozen=True, slots=True)
class AvatarGroup:
    """A private avatar group's consent and training state."""

    id: str
    name: str
    consent_status: str | None
    status: str | None
    error: str | None = None
