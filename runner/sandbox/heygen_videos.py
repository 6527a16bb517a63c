"""HeyGen emulator: rendering videos on the virtual clock, with Idempotency-Key replay."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runner.sandbox.docs_facts import heygen as facts
from runner.sandbox.heygen_catalog import Catalog, HeyGenError
from runner.sandbox.heygen_video_request import check_avatar_video, invalid
from runner.sandbox.heygen_zego_common import EmulatorHooks, retry_after_header
from runner.sandbox.video import VideoSpec, spoken_seconds

PENDING_SECONDS = 5.0  # virtual seconds a new render stays "pending" before "processing"
AUDIO_CAPTION = "(lip-sync to the given audio)"  # what the sandbox shows for an audio video: it has no speech
IDEMPOTENCY_KEY = re.compile(
    rf"[{facts.IDEMPOTENCY_KEY_CHARACTERS}]{{{facts.IDEMPOTENCY_KEY_MIN_CHARS},{facts.IDEMPOTENCY_KEY_MAX_CHARS}}}"
)


@dataclass(frozen=True, slots=True)
class Reply:
    """A stored reply, replayed for a repeated Idempotency-Key."""

    status: int
    body: dict[str, Any]


class Videos:
    """Renders and idempotency records (persisted); in-flight keys live in memory only."""

    def __init__(self, hooks: EmulatorHooks, state: dict[str, Any], catalog: Catalog) -> None:
        self._hooks = hooks
        self._state = state
        self._catalog = catalog
        state.setdefault("videos", {})
        state.setdefault("idempotency", {})
        self._in_flight: set[str] = set()

    def validate(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Check a POST /v3/videos body and its look; return the normalised request."""
        request = check_avatar_video(body)
        look = self._catalog.look(request["avatar_id"])
        if look is None:
            raise HeyGenError(
                404, facts.NOT_FOUND, f"avatar look {request['avatar_id']!r} not found", param="avatar_id"
            )
        if not self._catalog.look_usable(look):
            raise HeyGenError(
                403, "consent_required", f"the avatar group of look {request['avatar_id']!r} has no approved consent"
            )
        if request["script"] is not None and request["voice_id"] is None:
            # "`voice_id` may be left out when the look has a default voice"
            request["voice_id"] = self._catalog.group(str(look["group_id"])).get("default_voice_id")
            if request["voice_id"] is None:
                raise invalid("voice_id", "'voice_id' is required: this look has no default voice")
        return request

    def begin(self, key: str | None) -> Reply | None:
        """Claim an Idempotency-Key: a stored reply to replay, or None to go ahead (key now in flight).

        A repeat within the window replays the first reply whatever its body ("even if the request
        body differs"), so a retry of a failed render gets the failed video back.
        """
        if key is None:
            return None
        if not IDEMPOTENCY_KEY.fullmatch(key):
            lo, hi = facts.IDEMPOTENCY_KEY_MIN_CHARS, facts.IDEMPOTENCY_KEY_MAX_CHARS
            raise HeyGenError(
                400,
                "invalid_parameter",
                f"Idempotency-Key must be {lo}-{hi} of [{facts.IDEMPOTENCY_KEY_CHARACTERS}]",
                param="Idempotency-Key",
            )
        record = self._state["idempotency"].get(key)
        if record is not None and self._hooks.clock.time() - record["at"] >= facts.IDEMPOTENCY_WINDOW_SECONDS:
            del self._state["idempotency"][key]
            record = None
        if key in self._in_flight:
            raise HeyGenError(
                409, facts.REQUEST_IN_PROGRESS, "a request with this Idempotency-Key is still being processed"
            )
        if record is not None:
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
                facts.RATE_LIMITED,
                f"{cap} videos are already rendering, the limit of this plan; retry when one finishes",
                {"Retry-After": retry_after_header(wait)},
            )

    def create(self, request: Mapping[str, Any], key: str | None, app: str | None = None) -> Reply:
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
        reply = Reply(200, {"data": {"video_id": video_id, "status": facts.CREATE_STATUS}})
        if key is not None:
            self._state["idempotency"][key] = {"at": now, "status": reply.status, "body": reply.body}
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
        """GET /v3/videos/{id}: the documented VideoDetail, status on the virtual clock."""
        video = self._state["videos"].get(video_id)
        if video is None:
            raise HeyGenError(404, facts.NOT_FOUND, f"video {video_id!r} not found")
        return self._detail(video_id, video, media_url)

    def listing(self, app: str, title: str | None, folder_id: str | None) -> list[tuple[str, dict[str, Any]]]:
        """GET /v3/videos: the account's videos, newest first (sandbox choice: the order is not documented)."""
        return [
            (video_id, video)
            for video_id, video in reversed(self._state["videos"].items())
            if video.get("app") == app
            and (title is None or title in (video.get("title") or ""))  # "Filter videos by title substring"
            and folder_id is None  # no video of the sandbox is in a folder
        ]

    def details(
        self, videos: list[tuple[str, dict[str, Any]]], media_url: Callable[[str], str]
    ) -> list[dict[str, Any]]:
        """The VideoDetail of each listed video."""
        return [self._detail(video_id, video, media_url(video_id)) for video_id, video in videos]

    def _detail(self, video_id: str, video: Mapping[str, Any], media_url: str) -> dict[str, Any]:
        elapsed = self._hooks.clock.time() - video["created_at"]
        duration = video.get("duration", facts.RENDER_SECONDS)
        if elapsed < duration:
            status = "pending" if elapsed < PENDING_SECONDS else "processing"
        else:
            status = "failed" if video["fails"] else "completed"
        completed = status == "completed"
        detail: dict[str, Any] = {
            "id": video_id,
            "title": video.get("title"),
            "status": status,
            "created_at": int(video["created_at"]),
            "completed_at": int(video["created_at"] + duration) if status in ("completed", "failed") else None,
            "video_url": media_url if completed else None,
            "duration": spoken_seconds(video["script"] or AUDIO_CAPTION) if completed else None,
        }
        if status == "failed":  # "Only present when status is failed"
            detail["failure_code"] = facts.FAILURE_CODE
            detail["failure_message"] = "the avatar video could not be rendered"
        return detail

    def video_spec(self, video_id: str) -> VideoSpec:
        """What a rendered video shows: its look's name and the script."""
        video = self._state["videos"][video_id]
        look = self._catalog.look(video["avatar_id"]) or {}
        return VideoSpec(
            title=str(look.get("name") or video["avatar_id"]),
            script=video["script"] or AUDIO_CAPTION,
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
