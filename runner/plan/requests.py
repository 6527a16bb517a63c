"""Typed provider requests, one frozen dataclass per job kind, built once when the campaign is expanded.

`canonical()` is what a job key hashes and what plans and lockfiles show as `request`: the same keys,
in the same order, as the mappings release 0.1.0 wrote, so keys and files stay byte-identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runner.vocabulary.kinds import JobKind
from runner.vocabulary.names import tagged_video_name


@dataclass(frozen=True, slots=True)
class AvatarRequest:
    """One material package of an avatar-video create."""

    avatar_id: str  # `name:NAME` while the avatar's name is not resolved yet
    script: str
    video_name: str  # carries the job key's tag, for adoption; not part of the key

    def canonical(self) -> dict[str, Any]:
        """What the key hashes."""
        return {"avatar_id": self.avatar_id, "script": self.script}

    def named(self, video_name: str) -> AvatarRequest:
        """The same request sent under `video_name` (a new instance: cheaper than `dataclasses.replace`)."""
        return AvatarRequest(self.avatar_id, self.script, video_name)

    def package(self, key: str) -> dict[str, str]:
        """The package as the API takes it."""
        return {"avatar_id": self.avatar_id, "script": self.script, "video_name": self.video_name, "package_id": key}


@dataclass(frozen=True, slots=True)
class UploadRequest:
    """An upload by URL: a fixed URL, or the output of another job."""

    url: str | None
    source_job: str | None

    def canonical(self) -> dict[str, Any]:
        """What the key hashes."""
        return {"source": {"url": self.url} if self.url is not None else {"job": self.source_job}}


@dataclass(frozen=True, slots=True)
class RefreshRequest:
    """A refresh create over an uploaded video."""

    upload_job: str
    strategies: tuple[str, ...]  # sorted
    add_hook: dict[str, str] | None
    period: str | None = None  # a rotation's period start (`every:`); hashed only when set, so other keys stay

    def canonical(self) -> dict[str, Any]:
        """What the key hashes."""
        hook = dict(self.add_hook) if self.add_hook is not None else None
        canonical: dict[str, Any] = {
            "video": {"job": self.upload_job},
            "video_refresh_strategy_list": list(self.strategies),
            "add_hook": hook,
        }
        if self.period is not None:
            canonical["period"] = self.period
        return canonical


@dataclass(frozen=True, slots=True)
class RenderRequest:
    """A render of one avatar look saying a script, with its provider's video options (HeyGen's voice, aspect)."""

    avatar_id: str  # "" when `twin_job` names the avatar
    script: str
    options: tuple[tuple[str, str], ...] = ()  # (API field, value), in the provider entry's order
    twin_job: str | None = None  # a digital twin of this campaign: its look id is known once the twin is ready

    def option(self, field: str) -> str:
        """One option's value ("" when the group left it out)."""
        return dict(self.options).get(field, "")

    def canonical(self) -> dict[str, Any]:
        """What the key hashes."""
        avatar: Any = {"job": self.twin_job} if self.twin_job is not None else self.avatar_id
        return {"avatar_id": avatar, "script": self.script, **dict(self.options)}


@dataclass(frozen=True, slots=True)
class TwinRequest:
    """A HeyGen digital twin: its footage (a URL, or a file known by its digest) and the group it joins."""

    group: str | None
    footage_url: str | None = None
    footage_sha256: str | None = None

    def canonical(self) -> dict[str, Any]:
        """What the key hashes (never the twin's name, nor the file's path)."""
        footage = {"url": self.footage_url} if self.footage_url is not None else {"sha256": self.footage_sha256}
        return {"footage": footage, "group": self.group}


Request = AvatarRequest | UploadRequest | RefreshRequest | RenderRequest | TwinRequest


@dataclass(frozen=True, slots=True)
class Avatar:
    """The avatar a video cell renders with: a catalog id, or a digital twin job of this campaign."""

    id: str = ""
    twin_job: str | None = None


def video_request(kind: str, avatar: Avatar, script: str, options: Mapping[str, str | None]) -> Request:
    """The request of a video-group cell, for the kind its provider's groups make (named by `for_job`)."""
    if kind == JobKind.AVATAR_VIDEO:
        return AvatarRequest(avatar.id, script, "")
    return RenderRequest(avatar.id, script, tuple((k, v or "") for k, v in options.items()), avatar.twin_job)


def for_job(request: Request, key: str, name: str | None, owner: str | None = None) -> Request:
    """The request as the job with this key and name sends it: an avatar video's name carries its owned tag."""
    if isinstance(request, AvatarRequest):
        return request.named(tagged_video_name(name or key, key, owner=owner))
    return request


def from_canonical(kind: str, request: Mapping[str, Any]) -> Request:
    """The typed request of a recorded job, from the canonical mapping its lockfile record keeps."""
    if kind == JobKind.AVATAR_VIDEO:
        return AvatarRequest(str(request.get("avatar_id", "")), str(request.get("script", "")), "")
    if kind == JobKind.UPLOAD:
        source = request.get("source") or {}
        return UploadRequest(source.get("url"), source.get("job"))
    if kind == JobKind.REFRESH_VIDEO:
        hook = request.get("add_hook")
        strategies = tuple(str(s) for s in request.get("video_refresh_strategy_list") or ())
        period = request.get("period")
        return RefreshRequest(str((request.get("video") or {}).get("job", "")), strategies, hook, period)
    if kind == JobKind.HEYGEN_AVATAR:
        footage = request.get("footage") or {}
        return TwinRequest(request.get("group"), footage.get("url"), footage.get("sha256"))
    avatar = request.get("avatar_id")
    twin = str(avatar["job"]) if isinstance(avatar, Mapping) else None
    options = tuple((str(k), str(v)) for k, v in request.items() if k not in ("avatar_id", "script"))
    return RenderRequest("" if twin else str(avatar or ""), str(request.get("script", "")), options, twin)
