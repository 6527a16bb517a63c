"""Typed provider requests, one dataclass per job kind, built from a job's resolved request."""

from __future__ import annotations

from dataclasses import dataclass

from runner.execute.states import JobKind
from runner.plan.job import Job, tagged_video_name


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


Request = AvatarRequest | UploadRequest | RefreshRequest | HeyGenRequest


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
    return HeyGenRequest(str(req["avatar_id"]), str(req["script"]), str(req["voice_id"]), str(req["aspect_ratio"]))
