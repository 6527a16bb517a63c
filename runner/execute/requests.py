"""The typed request of a job, as the engine's drivers send it (the dataclasses live in runner/plan/requests.py)."""

from __future__ import annotations

from runner.plan.job import Job
from runner.plan.requests import AvatarRequest, RefreshRequest, RenderRequest, Request, TwinRequest, UploadRequest

__all__ = ["AvatarRequest", "RenderRequest", "RefreshRequest", "Request", "TwinRequest", "UploadRequest", "request_for"]


def request_for(job: Job) -> Request:
    """The typed request of a job, built once when the campaign was expanded."""
    return job.payload
