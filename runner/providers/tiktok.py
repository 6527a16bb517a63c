"""TikTok Digital Avatar and Refresh Ads API client."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from runner import api_facts as facts
from runner.clock import Clock
from runner.providers.budget import TransientBudget
from runner.providers.config import ProviderSettings
from runner.providers.errors import (
    AuthError,
    PackageRefused,
    PermanentError,
    ProviderError,
    RateLimitedError,
    TransientError,
)
from runner.providers.http import Call, HttpApi, json_body
from runner.providers.models import AvatarTask, CatalogAvatar, CreatedTask, Page, RefreshTask, VideoInfo
from runner.providers.pacing import Pacing, limiter_scope
from runner.providers.ratelimit import Limiters
from runner.providers.retry import RetryPolicy
from runner.vocabulary.providers import TIKTOK
from runner.vocabulary.tasks import TaskStatus

PROVIDER = TIKTOK
# The task status words of both APIs' task lists ("SUBMITTED", "PROCESSING", "SUCCESS", "FAILED").
_STATUSES = {
    "SUBMITTED": TaskStatus.QUEUED,
    "PROCESSING": TaskStatus.RUNNING,
    "SUCCESS": TaskStatus.SUCCEEDED,
    "FAILED": TaskStatus.FAILED,
}
QPM_BACKOFF = 12.0  # after a per-minute refusal, wait for a slot of the 60 s window to free


def task_status(word: object) -> TaskStatus:
    """A task's status word as the one status every client reports."""
    return _STATUSES.get(str(word or ""), TaskStatus.UNKNOWN)


def _q(value: Any) -> str:
    """JSON-encode an array or object for the query string, as the API expects."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class TikTokClient(HttpApi):
    """All nine endpoints the tool uses, paced within the documented limits."""

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
        qps: float = facts.TIKTOK_APP_QPS,
    ) -> None:
        settings.require(PROVIDER)
        token, base_url = settings.credential("TIKTOK_ACCESS_TOKEN"), settings.base_url(PROVIDER)
        assert token is not None
        super().__init__(
            base_url,
            clock=clock,
            retry=retry,
            transport=transport,
            budget=budget,
            headers={"Access-Token": token},
        )
        pacing = pacing or Pacing(self.clock)
        where = limiter_scope(PROVIDER, base_url)
        app = pacing.limiter(f"{where} app", int(qps), 1.0)
        self._app = Limiters(app)
        self._refresh = Limiters(
            pacing.limiter(f"{where} refresh-create per minute", facts.REFRESH_CREATE_QPM, 60.0),
            pacing.limiter(f"{where} refresh-create per second", facts.REFRESH_CREATE_QPS, 1.0),
            app,
        )

    def refresh_create_ready_in(self) -> float:
        """Virtual seconds until a refresh create could be sent without waiting."""
        return self._refresh.ready_in()

    # --- plumbing -------------------------------------------------------------------------
    def has_envelope(self, response: httpx.Response) -> bool:
        """TikTok's own replies carry `code` and `message`; a gateway's do not."""
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and "code" in body

    def _classify(self, call: Call, response: httpx.Response) -> Any:
        if response.status_code >= 500:
            body = json_body(PROVIDER, call, response) if self.has_envelope(response) else {}
            raise TransientError(
                PROVIDER,
                call.path,
                str(body.get("code", f"HTTP {response.status_code}")),
                str(body.get("message", "server error")),
                body.get("request_id"),
                http_status=response.status_code,
            )
        body = json_body(PROVIDER, call, response)
        if not isinstance(body, dict) or "code" not in body:
            raise ProviderError(
                PROVIDER,
                call.path,
                f"HTTP {response.status_code}",
                "unexpected reply",
                http_status=response.status_code,
            )
        code = int(body["code"])
        if code == 0:
            return body.get("data") or {}
        args = (PROVIDER, call.path, str(code), str(body.get("message", "")), body.get("request_id"))
        if code in facts.RATE_LIMIT_CODES:
            per_minute = (
                "minute" in str(body.get("message", "")).lower() or "qpm" in str(body.get("message", "")).lower()
            )
            raise RateLimitedError(*args, retry_after=QPM_BACKOFF if per_minute else 1.0)
        if code in facts.TRANSIENT_CODES:
            raise TransientError(*args)
        if code in facts.AUTH_CODES:
            raise AuthError(*args, hint=f"TIKTOK_ACCESS_TOKEN: {facts.AUTH_CODES[code]}; set a valid access token")
        raise PermanentError(*args)

    def _get(self, path: str, params: dict[str, str]) -> Any:
        return self.send(Call("GET", path, params=params), self._classify, self._app)

    def _post(self, path: str, body: Any, *, idempotent: bool, limiters: Limiters | None = None) -> Any:
        return self.send(Call("POST", path, json=body, idempotent=idempotent), self._classify, limiters or self._app)

    def _pages(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        return [item for page in self._each_page(path, params) for item in page.items]

    def _each_page(self, path: str, params: dict[str, str]) -> Iterator[Page[dict[str, Any]]]:
        """Each page as it comes: the next one is asked for only when the caller wants it."""
        page = 1
        while True:
            data = self._get(path, {**params, "page": str(page), "page_size": str(facts.PAGE_SIZE_MAX)})
            total_pages = int((data.get("page_info") or {}).get("total_page") or 1)
            yield Page(tuple(data.get("list") or ()), page, total_pages)
            if page >= total_pages:
                return
            page += 1

    # --- Digital Avatar API ---------------------------------------------------------------
    def list_avatars(self) -> list[CatalogAvatar]:
        """The avatar catalog, every page."""
        return [
            CatalogAvatar(str(a["avatar_id"]), str(a.get("avatar_name", "")), PROVIDER)
            for a in self._pages("/creative/digital_avatar/get/", {})
        ]

    def create_avatar_videos(self, packages: Sequence[dict[str, str]]) -> list[CreatedTask]:
        """Create up to 5 avatar-video tasks in one call (never retried once it may have arrived)."""
        if not 1 <= len(packages) <= facts.MAX_PACKAGES_PER_CREATE:
            raise ValueError(f"1-{facts.MAX_PACKAGES_PER_CREATE} packages per call, not {len(packages)}")
        try:
            data = self._post(
                "/creative/digital_avatar/video/task/create/", {"material_packages": list(packages)}, idempotent=False
            )
        except PermanentError as exc:
            position = facts.named_package(exc.message)
            raise PackageRefused(
                exc.provider,
                exc.endpoint,
                exc.code,
                facts.without_package_position(exc.message),
                exc.request_id,
                exc.http_status,
                package=position if position is not None and position < len(packages) else None,
            ) from None
        return [
            CreatedTask(t.get("task_id") or None, t.get("package_id"), t.get("error_msg") or None)
            for t in data.get("list") or []
        ]

    def get_avatar_tasks(self, task_ids: Sequence[str]) -> list[AvatarTask]:
        """The state of up to 5 avatar-video tasks."""
        data = self._get("/creative/digital_avatar/video/task/get/", {"task_ids": _q(list(task_ids))})
        return [
            AvatarTask(
                str(t["task_id"]),
                task_status(t.get("status")),
                str(t.get("video_name") or ""),
                t.get("avatar_video_id") or None,
                t.get("preview_url") or None,
                t.get("error_msg") or None,
            )
            for t in data.get("list") or []
        ]

    def list_avatar_videos(
        self, *, avatar_id: str | None = None, start_date: str | None = None, end_date: str | None = None
    ) -> list[VideoInfo]:
        """Every produced avatar video, optionally filtered."""
        pages = self.avatar_video_pages(avatar_id=avatar_id, start_date=start_date, end_date=end_date)
        return [video for page in pages for video in page.items]

    def avatar_video_pages(
        self, *, avatar_id: str | None = None, start_date: str | None = None, end_date: str | None = None
    ) -> Iterator[Page[VideoInfo]]:
        """The produced avatar videos page by page, each page asked for only when the one before is used up."""
        filtering = {
            k: v for k, v in (("avatar_id", avatar_id), ("start_date", start_date), ("end_date", end_date)) if v
        }
        params = {"filtering": _q(filtering)} if filtering else {}
        for page in self._each_page("/creative/digital_avatar/video/list/", params):
            yield Page(tuple(_video(v) for v in page.items), page.number, page.total)

    def rename_video(self, video_id: str, name: str) -> None:
        """Rename an avatar video (idempotent)."""
        self._post("/file/video/ad/update/", {"avatar_video_id": video_id, "file_name": name}, idempotent=True)

    # --- Refresh Ads API ------------------------------------------------------------------
    def upload_video_by_url(self, url: str) -> str:
        """Upload a video by URL for AIGC use; returns the stock video id."""
        data = self._post(
            "/file/video/ad/upload/",
            {"upload_type": "UPLOAD_BY_URL", "use_scenario": "AIGC", "video_url": url},
            idempotent=False,
        )
        return str(data["video_id"])

    def create_refresh_task(
        self, video_id: str, strategies: Sequence[str], add_hook: dict[str, str] | None
    ) -> list[str]:
        """Create a refresh task (paced to 1 QPS and 5 QPM); returns its task ids (4 for RECOMMENDED)."""
        body: dict[str, Any] = {"video_id": video_id, "video_refresh_strategy_list": list(strategies)}
        if add_hook:
            body["add_hook"] = dict(add_hook)
        data = self._post("/creative/aigc/refresh_video/task/create/", body, idempotent=False, limiters=self._refresh)
        return [str(t) for t in data.get("task_ids") or []]

    def get_refresh_tasks(self, task_ids: Sequence[str]) -> list[RefreshTask]:
        """The state of up to 5 refresh tasks."""
        data = self._get(
            "/creative/aigc/video/task/list/", {"aigc_video_type": "REFRESH_VIDEO", "task_ids": _q(list(task_ids))}
        )
        return [
            RefreshTask(
                str(t["task_id"]),
                task_status(t.get("status")),
                t.get("video_id") or None,
                str(t.get("video_name") or ""),
                t.get("preview_url") or None,
                t.get("error_msg") or None,
            )
            for t in data.get("list") or []
        ]

    def list_refresh_videos(self) -> list[VideoInfo]:
        """Every refreshed video."""
        return [
            VideoInfo(
                str(v["video_id"]),
                str(v.get("video_name", "")),
                str(v.get("create_time", "")),
                v.get("preview_url") or None,
            )
            for v in self._pages("/creative/aigc/video/list/", {"aigc_video_types": _q(["REFRESH_VIDEO"])})
        ]


def _video(item: dict[str, Any]) -> VideoInfo:
    """One item of the avatar video list."""
    return VideoInfo(
        str(item["avatar_video_id"]),
        str(item.get("video_name", "")),
        str(item.get("create_time", "")),
        item.get("preview_url") or None,
        item.get("avatar_id"),
    )
