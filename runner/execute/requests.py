"""Typed provider requests, one dataclass per job kind, built from a job's resolved request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from runner.plan.job import Job
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.names import tagged_video_name


@dataclass(frozen=True, slots=True)
class AvatarRequest:
    """One material package of an avatar-video create."""

    avatar_id: str
    script: str
    video_name: str  # carries the job key's tag, for adoption

    def package(self, key: str) -> dict[str, str]:
        """The package as the API takes it."""
        return {"avatar_id": self.avatar_id, "script": self.script, "video_name": self.video_name, "package_id": key}


@dataclass(frozen=True, slots=True)
class UploadRequest:
    """An upload by URL: a fixed URL, or the output of another job."""

    url: str | None
    source_job: str | None


@dataclass(frozen=True, slots=True)
class RefreshRequest:
    """A refresh create over an uploaded video."""

    upload_job: str
    strategies: tuple[str, ...]
    add_hook: dict[str, str] | None


@dataclass(frozen=True, slots=True)
class HeyGenRequest:
    """A HeyGen render."""

    avatar_id: str
    script: str
    voice_id: str
    aspect_ratio: str
    twin_job: str | None = None  # a digital twin of this campaign: its look id is known once the twin is ready


@dataclass(frozen=True, slots=True)
class TwinRequest:
    """A HeyGen digital twin: footage and, optionally, the group it joins."""

    group: str | None


Request = AvatarRequest | UploadRequest | RefreshRequest | HeyGenRequest | TwinRequest


def request_for(job: Job) -> Request:
    """The typed request of a job."""
    req = job.request
    if job.kind == JobKind.AVATAR_VIDEO:
        return AvatarRequest(str(req["avatar_id"]), str(req["script"]), tagged_video_name(job.name or job.key, job.key))
    if job.kind == JobKind.UPLOAD:
        source = req["source"]
        return UploadRequest(
            str(source["url"]) if "url" in source else None, str(source["job"]) if "job" in source else None
        )
    if job.kind == JobKind.REFRESH_VIDEO:
        hook = req.get("add_hook")
        return RefreshRequest(
            str(req["video"]["job"]),
            tuple(str(s) for s in req["video_refresh_strategy_list"]),
            {str(k): str(v) for k, v in hook.items()} if hook else None,
        )
    if job.kind == JobKind.HEYGEN_AVATAR:
        return TwinRequest(str(req["group"]) if req.get("group") else None)
    avatar = req["avatar_id"]
    twin = str(avatar["job"]) if isinstance(avatar, Mapping) else None
    return HeyGenRequest(
        "" if twin else str(avatar), str(req["script"]), str(req["voice_id"]), str(req["aspect_ratio"]), twin
    )
