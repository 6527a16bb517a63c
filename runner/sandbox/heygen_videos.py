"""HeyGen emulator: rendering videos on the virtual clock, with Idempotency-Key replay."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runner.sandbox.docs_facts import heygen as facts
from runner.sandbox.heygen_catalog import Catalog, HeyGenError
from runner.sandbox.heygen_zego_common import EmulatorHooks, retry_after_header
from runner.sandbox.video import VideoSpec, spoken_seconds

PENDING_SECONDS = 5.0  # virtual seconds a new render stays "pending" before "processing"
IDEMPOTENCY_KEY = re.compile(
    rf"[{facts.IDEMPOTENCY_KEY_CHARACTERS}]{{{facts.IDEMPOTENCY_KEY_MIN_CHARS},{facts.IDEMPOTENCY_KEY_MAX_CHARS}}}"
)


@dataclass(frozen=True, slots=True)
class Reply:
    """A stored reply, replayed for a repeated Idempotency-Key."""

    status: int
    body: dict[str, Any]


def body_digest(body: Mapping[str, Any]) -> str:
    """A digest of a request body, independent of key order."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class Videos:
    """Renders and idempotency records (persisted); in-flight keys live in memory only."""

    def __init__(self, hooks: EmulatorHooks, state: dict[str, Any], catalog: Catalog) -> None:
        self._hooks = hooks
        self._state = state
        self._catalog = catalog
        state.setdefault("videos", {})
        state.setdefault("idempotency", {})
        self._in_flight: set[str] = set()

    def validate(self, body: Any) -> dict[str, Any]:
        """Check a POST /v3/videos body; return the normalised request."""
        if not isinstance(body, dict):
            raise HeyGenError(400, "invalid_parameter", "the body must be a JSON object")
        # The docs make `type` required; the client does not send it yet, so only a wrong value is refused.
        if body.get("type", facts.VIDEO_TYPE) != facts.VIDEO_TYPE:
            raise HeyGenError(400, "invalid_parameter", f"type must be {facts.VIDEO_TYPE!r} (an avatar video)")
        avatar_id = body.get("avatar_id")
        if not isinstance(avatar_id, str) or not avatar_id:
            raise HeyGenError(400, "invalid_parameter", "avatar_id (a look id) is required")
        script = body.get("script")
        lo, hi = facts.SCRIPT_MIN_CHARS, facts.SCRIPT_MAX_CHARS
        if not isinstance(script, str) or not script.strip() or not lo <= len(script) <= hi:
            raise HeyGenError(400, "invalid_parameter", f"script must be {lo}-{hi} characters")
        voice_id = body.get("voice_id")
        if not isinstance(voice_id, str) or not voice_id:
            raise HeyGenError(400, "invalid_parameter", "voice_id is required")
        aspect = body.get("aspect_ratio", facts.DEFAULT_ASPECT_RATIO)
        if aspect not in facts.ASPECT_RATIOS:
            allowed = ", ".join(facts.ASPECT_RATIOS)
            raise HeyGenError(400, "invalid_parameter", f"aspect_ratio must be one of {allowed}")
        title = body.get("title")
        if title is not None and not isinstance(title, str):
            raise HeyGenError(400, "invalid_parameter", "title must be a string")
        look = self._catalog.look(avatar_id)
        if look is None:
            raise HeyGenError(404, "not_found", f"avatar look {avatar_id!r} not found")
        if not self._catalog.look_usable(look):
            raise HeyGenError(
                403, "consent_required", f"the avatar group of look {avatar_id!r} has no approved consent"
            )
        return {"avatar_id": avatar_id, "script": script, "voice_id": voice_id, "aspect_ratio": aspect, "title": title}

    def begin(self, key: str | None, digest: str) -> Reply | None:
        """Claim an Idempotency-Key: a stored reply to replay, or None to go ahead (key now in flight)."""
        if key is None:
            return None
        if not IDEMPOTENCY_KEY.fullmatch(key):
            lo, hi = facts.IDEMPOTENCY_KEY_MIN_CHARS, facts.IDEMPOTENCY_KEY_MAX_CHARS
            raise HeyGenError(
                400, "invalid_parameter", f"Idempotency-Key must be {lo}-{hi} of [{facts.IDEMPOTENCY_KEY_CHARACTERS}]"
            )
        now = self._hooks.clock.time()
        record = self._state["idempotency"].get(key)
        if record is not None and now - record["at"] >= facts.IDEMPOTENCY_WINDOW_SECONDS:
            del self._state["idempotency"][key]
            record = None
        if key in self._in_flight:
            raise HeyGenError(409, "idempotency_conflict", "a request with this Idempotency-Key is still in progress")
        if record is not None:
            if record["digest"] != digest:
                raise HeyGenError(
                    422, "idempotency_key_reused", "this Idempotency-Key was used with a different request body"
                )
            return Reply(record["status"], record["body"])
        self._in_flight.add(key)
        return None

    def in_flight(self) -> frozenset[str]:
        """Idempotency keys whose first request is still being processed."""
        return frozenset(self._in_flight)

    def abandon(self, key: str | None) -> None:
        """Release an in-flight key whose request did not complete."""
        if key is not None:
            self._in_flight.discard(key)

    def check_capacity(self, app: str) -> None:
        """Refuse with 429 and Retry-After when the key already has its plan's renders in progress."""
        now = self._hooks.clock.time()
        running = [
            v["created_at"] + v["duration"]
            for v in self._state["videos"].values()
            if v.get("app") == app and v["created_at"] + v.get("duration", 0.0) > now
        ]
        cap = self._hooks.config.heygen_max_concurrent
        if len(running) >= cap:
            self._hooks.event("heygen_concurrency_refusals")
            wait = min(running) - now
            raise HeyGenError(
                429,
                "concurrency_limit_exceeded",
                f"{cap} videos are already rendering, the limit of this plan; retry when one finishes",
                {"Retry-After": retry_after_header(wait)},
            )

    def create(self, request: Mapping[str, Any], key: str | None, digest: str, app: str | None = None) -> Reply:
        """Start a render; record the reply under the key."""
        video_id = f"{self._hooks.rng.getrandbits(128):032x}"
        fails = self._hooks.rng.random() < self._hooks.config.task_failure_rate
        now = self._hooks.clock.time()
        duration = self._hooks.processing_seconds(facts.RENDER_SECONDS)
        self._state["videos"][video_id] = {
            **request,
            "created_at": now,
            "duration": duration,
            "fails": fails,
            "app": app,
        }
        self._hooks.will_be_ready(now + duration)
        reply = Reply(200, {"data": {"video_id": video_id, "status": "pending"}})
        if key is not None:
            self._state["idempotency"][key] = {
                "digest": digest,
                "at": self._hooks.clock.time(),
                "status": reply.status,
                "body": reply.body,
            }
            self._in_flight.discard(key)
        if self._hooks.config.forget_rate and self._hooks.chance(self._hooks.config.forget_rate):
            self.forget({video_id})
        return reply

    def forget(self, ids: set[str] | None) -> int:
        """Lose renders (all when `ids` is None), as after a provider-side loss."""
        lost = [v for v in self._state["videos"] if ids is None or v in ids]
        for video_id in lost:
            del self._state["videos"][video_id]
        if lost:
            self._hooks.event("forgotten", len(lost))
        return len(lost)

    def view(self, video_id: str, media_url: str) -> dict[str, Any]:
        """GET /v3/videos/{id}: status on the virtual clock; video_url once completed."""
        video = self._state["videos"].get(video_id)
        if video is None:
            raise HeyGenError(404, "not_found", f"video {video_id!r} not found")
        elapsed = self._hooks.clock.time() - video["created_at"]
        done = elapsed >= video.get("duration", facts.RENDER_SECONDS)
        if not done:
            status = "pending" if elapsed < PENDING_SECONDS else "processing"
        else:
            status = "failed" if video["fails"] else "completed"
        completed = status == "completed"
        return {
            "video_id": video_id,
            "id": video_id,
            "status": status,
            "title": video.get("title"),
            "avatar_id": video["avatar_id"],
            "aspect_ratio": video["aspect_ratio"],
            "created_at": int(video["created_at"]),
            "video_url": media_url if completed else None,
            "duration": spoken_seconds(video["script"]) if completed else None,
            **_failure(status == "failed"),
        }

    def video_spec(self, video_id: str) -> VideoSpec:
        """What a rendered video shows: its look's name and the script."""
        video = self._state["videos"][video_id]
        look = self._catalog.look(video["avatar_id"]) or {}
        return VideoSpec(
            title=str(look.get("name") or video["avatar_id"]),
            script=video["script"],
            aspect_ratio=video["aspect_ratio"],
            seed=video["avatar_id"],
            label=video_id[:12],
        )

    def media_ready(self, video_id: str) -> bool:
        """Whether the video's file can be downloaded."""
        video = self._state["videos"].get(video_id)
        if video is None or video["fails"]:
            return False
        return bool(self._hooks.clock.time() - video["created_at"] >= video.get("duration", facts.RENDER_SECONDS))


def _failure(failed: bool) -> dict[str, Any]:
    """A failed render's documented `failure_code` and `failure_message`; `error` is always there."""
    if not failed:
        return {"error": None}
    code, message = "render_failed", "the video could not be rendered"
    # `error` is not in the docs: the client reads it today, so it stays until the client reads the documented fields
    return {"failure_code": code, "failure_message": message, "error": {"code": code, "message": message}}
