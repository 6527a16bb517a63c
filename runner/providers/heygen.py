"""HeyGen v3 client: avatar groups and looks, digital twins and consent, video renders with Idempotency-Key.

The video calls follow HeyGen's reference (developers.heygen.com/reference/create-video, get-video,
list-videos): a create body of the avatar shape, `type: "avatar"` included, and the VideoDetail reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from runner import api_facts as facts
from runner.clock import Clock
from runner.providers.budget import TransientBudget
from runner.providers.config import ProviderSettings
from runner.providers.errors import AuthError, PermanentError, ProviderError, RateLimitedError, TransientError
from runner.providers.footage import FootageFile, FootageSource, twin_body_chunks
from runner.providers.http import Call, HttpApi, json_body
from runner.providers.models import AvatarGroup, CatalogAvatar, HeyGenVideo, TwinCreated
from runner.providers.pacing import Pacing, limiter_scope
from runner.providers.ratelimit import Limiters
from runner.providers.retry import RetryPolicy
from runner.vocabulary.providers import HEYGEN
from runner.vocabulary.tasks import RenderResult, TaskStatus

PROVIDER = HEYGEN
VIDEO_TYPE = "avatar"  # POST /v3/videos: the body's required discriminator for a video of an avatar look
VIDEO_PAGE_LIMIT = 100  # GET /v3/videos: `limit` 1-100
# A render's `status` in GET /v3/videos/{id}.
_RENDER_STATUSES = {
    "pending": TaskStatus.QUEUED,
    "processing": TaskStatus.RUNNING,
    "completed": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
}


def render_status(word: object) -> TaskStatus:
    """A render's status word as the one status every client reports."""
    return _RENDER_STATUSES.get(str(word or ""), TaskStatus.UNKNOWN)


class HeyGenClient(HttpApi):
    """The HeyGen endpoints the tool uses."""

    provider = PROVIDER

    def __init__(
        self,
        settings: ProviderSettings,
        *,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        budget: TransientBudget | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        settings.require(PROVIDER)
        key, base_url = settings.credential("HEYGEN_API_KEY"), settings.base_url(PROVIDER)
        assert key is not None
        super().__init__(
            base_url,
            clock=clock,
            retry=retry,
            transport=transport,
            budget=budget,
            headers={"X-Api-Key": key},
        )
        pacing = pacing or Pacing(self.clock)
        self.render_slots = pacing.render_slots(PROVIDER)  # shared across runners, or None
        self._limit = Limiters(pacing.limiter(f"{limiter_scope(PROVIDER, base_url)} app", facts.HEYGEN_QPS, 1.0))

    def _classify(self, call: Call, response: httpx.Response) -> Any:
        status = response.status_code
        if status < 400:
            return json_body(PROVIDER, call, response)
        body = json_body(PROVIDER, call, response) if status < 500 else {}
        error = body.get("error", {}) if isinstance(body, dict) else {}
        args = (PROVIDER, call.path, str(error.get("code", f"HTTP {status}")), str(error.get("message", "")))
        if status == 429:
            retry_after = response.headers.get("Retry-After")
            raise RateLimitedError(*args, retry_after=float(retry_after) if retry_after else None, http_status=status)
        if status >= 500 or status == 409:  # 409: the same Idempotency-Key is still in progress
            raise TransientError(*args, http_status=status)
        if status == 401:
            raise AuthError(*args, hint="HEYGEN_API_KEY is missing or invalid; set a valid API key", http_status=status)
        if status in (400, 403, 404, 422):
            raise PermanentError(*args, http_status=status)
        raise ProviderError(*args, http_status=status)

    def _pages(
        self, path: str, params: dict[str, str], limit: int = facts.HEYGEN_PAGE_LIMIT_MAX
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            query = {**params, "limit": str(limit), **({"token": token} if token else {})}
            body = self.send(Call("GET", path, params=query), self._classify, self._limit)
            items.extend(body.get("data") or [])
            token = body.get("next_token")
            if not body.get("has_more") or not token:
                return items

    def list_avatar_groups(self, ownership: str | None = None) -> list[dict[str, Any]]:
        """Every avatar group (characters), public, private or both."""
        return self._pages("/v3/avatars", {"ownership": ownership} if ownership else {})

    def list_looks(self, group_id: str | None = None) -> list[CatalogAvatar]:
        """Every look (the ids videos are rendered with)."""
        looks = self._pages("/v3/avatars/looks", {"group_id": group_id} if group_id else {})
        return [
            CatalogAvatar(
                str(look["id"]), str(look.get("name", "")), PROVIDER, {"group_id": str(look.get("group_id", ""))}
            )
            for look in looks
        ]

    def list_avatars(self) -> list[CatalogAvatar]:
        """The catalog: every look."""
        return self.list_looks()

    def create_video(
        self,
        *,
        avatar_id: str,
        script: str,
        voice_id: str,
        aspect_ratio: str,
        idempotency_key: str,
        title: str | None = None,
    ) -> str:
        """Start a render; safe to retry on anything thanks to the Idempotency-Key."""
        body = {
            "type": VIDEO_TYPE,
            "avatar_id": avatar_id,
            "script": script,
            "voice_id": voice_id,
            "aspect_ratio": aspect_ratio,
            **({"title": title} if title is not None else {}),
        }
        call = Call("POST", "/v3/videos", json=body, headers={"Idempotency-Key": idempotency_key}, idempotent=True)
        data = self.send(call, self._classify, self._limit)
        return str(data["data"]["video_id"])

    def get_video(self, video_id: str) -> HeyGenVideo:
        """A render's state; `video_url` once completed, the failure's reason once failed."""
        path = f"/v3/videos/{video_id}"
        return _video(path, self.send(Call("GET", path), self._classify, self._limit).get("data"))

    def list_videos(self, title: str | None = None) -> list[HeyGenVideo]:
        """Every video of the account, or those whose title contains `title`."""
        videos = self._pages("/v3/videos", {"title": title} if title is not None else {}, VIDEO_PAGE_LIMIT)
        return [_video("/v3/videos", video) for video in videos]

    def create_digital_twin(self, name: str, footage: FootageSource, group_id: str | None = None) -> TwinCreated:
        """Create a digital twin from footage; no Idempotency-Key, so a lost reply is OutcomeUnknown (adopt by name)."""
        if isinstance(footage, FootageFile):
            source = footage
            call = Call(
                "POST", "/v3/avatars", idempotent=False, content=lambda: twin_body_chunks(name, source, group_id)
            )
        else:
            body: dict[str, Any] = {"type": "digital_twin", "name": name, "file": {"type": "url", "url": footage.url}}
            if group_id is not None:
                body["avatar_group_id"] = group_id
            call = Call("POST", "/v3/avatars", json=body, idempotent=False)
        data = self.send(call, self._classify, self._limit)["data"]
        look, group = data.get("avatar_item") or {}, data.get("avatar_group") or {}
        return TwinCreated(
            str(group.get("id") or look.get("group_id", "")), str(look.get("id", "")), group.get("consent_status")
        )

    def start_consent(self, group_id: str, reroute_url: str | None = None) -> tuple[str, str | None]:
        """Start (or restart) the consent flow: the URL the subject must visit, and the consent status."""
        body = {"reroute_url": reroute_url} if reroute_url else {}
        call = Call("POST", f"/v3/avatars/{group_id}/consent", json=body, idempotent=True)
        data = self.send(call, self._classify, self._limit)["data"]
        return str(data["url"]), (data.get("avatar_group") or {}).get("consent_status")

    def get_avatar_group(self, group_id: str) -> AvatarGroup:
        """A group's consent and training status."""
        data = self.send(Call("GET", f"/v3/avatars/{group_id}"), self._classify, self._limit)["data"]
        error = data.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        return AvatarGroup(
            str(data.get("id", group_id)),
            str(data.get("name", "")),
            data.get("consent_status"),
            data.get("status"),
            str(message) if message else None,
        )

    # --- renders as the engine's generic render driver asks for them (RenderApi, FindsRenders) ----------
    def create_render(self, request: Mapping[str, str], idempotency_key: str, title: str) -> str:
        """Start a render of a job's request (`avatar_id`, `script`, `voice_id`, `aspect_ratio`); its video id."""
        return self.create_video(
            avatar_id=request["avatar_id"],
            script=request["script"],
            voice_id=request["voice_id"],
            aspect_ratio=request["aspect_ratio"],
            idempotency_key=idempotency_key,
            title=title,
        )

    def get_render(self, render_id: str) -> RenderResult:
        """A render's state in the tool's words (a status HeyGen's docs do not name is UNKNOWN: not finished)."""
        return _render(self.get_video(render_id))

    def find_renders(self, title: str) -> list[RenderResult]:
        """Every render whose title contains `title` (GET /v3/videos?title=, a substring filter)."""
        return [_render(video) for video in self.list_videos(title=title)]


def _render(video: HeyGenVideo) -> RenderResult:
    """A VideoDetail as a render: HeyGen's video id is the render's id."""
    return RenderResult(
        video.video_id, video.status, video.video_id, video.video_url, video.failure_code, video.error, video.title
    )


def _video(path: str, data: Any) -> HeyGenVideo:
    """A VideoDetail: `id`, `status`, `video_url`, `title`, and `failure_code`/`failure_message` when failed."""
    if not isinstance(data, dict) or not data.get("id"):
        raise ProviderError(PROVIDER, path, "HTTP 200", "unexpected reply: the video has no id")
    code, message = data.get("failure_code"), data.get("failure_message")
    legacy = data.get("error")  # not in the reference; read only when the documented fields are absent
    if not (code or message) and legacy:
        code, message = (legacy.get("code"), legacy.get("message")) if isinstance(legacy, dict) else (None, legacy)
    reason = " ".join(str(part) for part in (message, f"({code})" if code else None) if part) or None
    return HeyGenVideo(
        str(data["id"]),
        render_status(data.get("status")),
        data.get("video_url"),
        reason,
        str(code) if code else None,
        str(message) if message else None,
        data.get("title"),
    )
