"""The TikTok Digital Avatar and Refresh Ads endpoints, strict as the real API."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any
from urllib.parse import urlparse

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from runner.sandbox.docs_facts import tiktok as facts
from runner.sandbox.docs_facts.tiktok import BAD_PARAM, URL_INVALID_MEDIA, URL_UNREACHABLE
from runner.sandbox.tiktok_checks import check_hook, check_packages, check_strategies, unavailable_avatar
from runner.sandbox.tiktok_common import (
    ApiError,
    Guard,
    json_body,
    page_of,
    paging,
    query_json,
    required_str,
    string_ids,
)
from runner.sandbox.tiktok_state import TikTokAccount, stamp
from runner.sandbox.world import World

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
RESERVED_TLDS = {"invalid", "test", "localhost", "local", "internal", "lan", "home", "corp", "example"}


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


class TikTokEmulator:
    """Handlers of the nine endpoints over one account."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.account = TikTokAccount(world)

    # --- Digital Avatar API --------------------------------------------------------------
    async def list_avatars(self, request: Request) -> Any:
        page, size = paging(request.query_params)
        return page_of([dict(a) for a in self.account.catalog], page, size)

    async def create_avatar_videos(self, request: Request) -> Any:
        body = await json_body(request)
        packages = check_packages(body.get("material_packages"))
        out = []
        with self.world.lock:
            for package in packages:
                refused = unavailable_avatar(package, self.account.avatar_ids)
                if refused is not None:  # the documented per-package `error_msg`: this package made no task
                    out.append({"task_id": "", "package_id": package.get("package_id"), "error_msg": refused})
                    continue
                task = self.account.new_avatar_task(package)
                out.append({"task_id": task["task_id"], "package_id": task["package_id"]})
            self._maybe_forget([t["task_id"] for t in out if t["task_id"]])
            self.world.changed()
        return {"list": out}

    def _maybe_forget(self, ids: list[str]) -> None:
        """The `forget_rate` fault: the provider loses what it just made (the reply still names it)."""
        rate = self.world.config.forget_rate
        lost = {i for i in ids if rate and self.world.chance(rate)}
        if lost:
            self.world.event("forgotten", self.account.forget(lost))

    async def get_avatar_tasks(self, request: Request) -> Any:
        ids = string_ids(request.query_params, "task_ids", facts.MAX_TASK_IDS_PER_GET)
        out = []
        with self.world.lock:
            for task_id in ids:
                task = self.account.state["avatar_tasks"].get(task_id)
                if task is None:
                    continue  # unknown ids are left out, as the real API does
                status = self.account.status(task)
                done = status == "SUCCESS"
                item = {
                    "task_id": task_id,
                    "status": status,
                    "video_name": task.get("renamed") or task["video_name"],
                    "avatar_video_id": task["video_id"] if done else "",
                    "preview_url": self.account.preview_url(_base(request), task["video_id"]) if done else "",
                }
                if status == "FAILED":
                    item["error_msg"] = "the digital avatar video could not be generated"
                out.append(item)
        return {"list": out}

    async def list_avatar_videos(self, request: Request) -> Any:
        page, size = paging(request.query_params)
        filtering = query_json(request.query_params, "filtering", dict) or {}
        unknown = set(filtering) - {"avatar_id", "start_date", "end_date"}
        if unknown:
            raise ApiError(BAD_PARAM, f"filtering: unknown field {sorted(unknown)[0]}")
        dates = {k: _date(filtering, k) for k in ("start_date", "end_date")}
        with self.world.lock:
            items = []
            for task in self.account.successful("avatar_tasks"):
                day = stamp(self.account.finished_at(task), "%Y-%m-%d")
                if filtering.get("avatar_id") and task["avatar_id"] != filtering["avatar_id"]:
                    continue
                if (dates["start_date"] and day < dates["start_date"]) or (
                    dates["end_date"] and day > dates["end_date"]
                ):
                    continue
                items.append(
                    {
                        "avatar_video_id": task["video_id"],
                        "video_name": task.get("renamed") or task["video_name"],
                        "create_time": stamp(self.account.finished_at(task)),
                        "avatar_id": task["avatar_id"],
                        "preview_url": self.account.preview_url(_base(request), task["video_id"]),
                        "video_cover_url": self.account.preview_url(_base(request), task["video_id"]).replace(
                            ".mp4", ".jpg"
                        ),
                    }
                )
        return page_of(items, page, size)

    async def rename_video(self, request: Request) -> Any:
        body = await json_body(request)
        video_id = required_str(body, "avatar_video_id")
        name = body.get("file_name")
        if not isinstance(name, str) or not facts.RENAME_MIN_CHARS <= len(name) <= facts.RENAME_MAX_CHARS:
            raise ApiError(
                BAD_PARAM, f"file_name: length must be {facts.RENAME_MIN_CHARS}-{facts.RENAME_MAX_CHARS} characters"
            )
        with self.world.lock:
            task = self.account.by_video.get(video_id)
            if task is None or "avatar_id" not in task or self.account.status(task) != "SUCCESS":
                raise ApiError(BAD_PARAM, f"avatar_video_id: no digital avatar video with id {video_id}")
            task["renamed"] = name
            self.world.changed()
        return {}

    # --- Refresh Ads API -------------------------------------------------------------------
    async def upload(self, request: Request) -> Any:
        body = await json_body(request)
        if body.get("upload_type") not in facts.UPLOAD_TYPES:
            raise ApiError(BAD_PARAM, f"upload_type: must be {' or '.join(facts.UPLOAD_TYPES)}")
        if body.get("use_scenario") not in facts.USE_SCENARIOS:
            raise ApiError(BAD_PARAM, f"use_scenario: must be {' or '.join(facts.USE_SCENARIOS)}")
        url = required_str(body, "video_url")
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or not parsed.hostname:
            raise ApiError(BAD_PARAM, "video_url: must be a valid http(s) URL")
        fetch = url
        if parsed.hostname not in LOOPBACK:
            if not self.world.config.public_urls or not _public_host(parsed.hostname):
                raise ApiError(
                    URL_UNREACHABLE,
                    "video_url: the URL could not be fetched (it is not a public address)"
                    if self.world.config.public_urls
                    else "video_url: the URL could not be fetched (the sandbox reaches loopback URLs only)",
                )
            # the sandbox has no internet: its asset store stands in for the public web
            fetch = f"{_base(request)}/_sandbox/assets/{parsed.hostname}{parsed.path}"
        status, content_type = await run_in_threadpool(_probe, fetch)
        if status is None:
            raise ApiError(URL_UNREACHABLE, "video_url: the URL could not be fetched")
        if not 200 <= status < 300:
            raise ApiError(URL_UNREACHABLE, f"video_url: fetching the URL answered HTTP {status}")
        if content_type.startswith("text/"):
            raise ApiError(
                URL_INVALID_MEDIA, f"video_url: invalid media type {content_type}; the URL must serve a video"
            )
        with self.world.lock:
            video_id = "v10033g5" + self.account.next_id(10**12)
            self.account.state["uploads"][video_id] = {
                "url_host": parsed.netloc,
                "created": self.world.clock.time(),
                **_source_of(urlparse(fetch).path),
            }
            self.world.event("uploads")
            self._maybe_forget([video_id])
            self.world.changed()
        return {"video_id": video_id}

    async def create_refresh(self, request: Request) -> Any:
        body = await json_body(request)
        video_id = required_str(body, "video_id")
        strategies = check_strategies(body.get("video_refresh_strategy_list"))
        hook = body.get("add_hook")
        if "ADD_HOOK" in strategies:
            check_hook(hook)
        elif hook is not None:
            raise ApiError(BAD_PARAM, "add_hook: only valid when video_refresh_strategy_list includes ADD_HOOK")
        with self.world.lock:
            if video_id not in self.account.state["uploads"]:
                raise ApiError(
                    BAD_PARAM, f"video_id: no video with id {video_id} in the stock library; upload it first"
                )
            tasks = self.account.new_refresh_tasks(video_id, strategies, hook)
            self._maybe_forget([t["task_id"] for t in tasks])
            self.world.changed()
        return {"task_ids": [t["task_id"] for t in tasks]}

    async def list_refresh_tasks(self, request: Request) -> Any:
        ids = string_ids(request.query_params, "task_ids", facts.MAX_TASK_IDS_PER_GET)
        kind = request.query_params.get("aigc_video_type")
        if kind is not None and kind not in facts.AIGC_VIDEO_TYPES:
            raise ApiError(BAD_PARAM, f"aigc_video_type: must be {' or '.join(facts.AIGC_VIDEO_TYPES)}")
        if kind is None:
            return {"list": []}  # without the type, only dubbed-video tasks are listed: none here
        out = []
        with self.world.lock:
            for task_id in ids:
                task = self.account.state["refresh_tasks"].get(task_id)
                if task is None:
                    continue
                status = self.account.status(task)
                done = status == "SUCCESS"
                item = {
                    "task_id": task_id,
                    "aigc_video_type": "REFRESH_VIDEO",
                    "status": status,
                    "video_name": task["video_name"],
                    "video_id": task["video_id"] if done else "",
                    "preview_url": self.account.preview_url(_base(request), task["video_id"]) if done else "",
                }
                if status == "FAILED":
                    item["error_msg"] = "the refreshed video could not be generated"
                out.append(item)
        return {"list": out}

    async def list_refresh_videos(self, request: Request) -> Any:
        page, size = paging(request.query_params)
        kinds = query_json(request.query_params, "aigc_video_types", list)
        if kinds is not None and any(k not in facts.AIGC_VIDEO_TYPES for k in kinds):
            raise ApiError(BAD_PARAM, f"aigc_video_types: the only value is {' or '.join(facts.AIGC_VIDEO_TYPES)}")
        if not kinds:
            return page_of([], page, size)
        with self.world.lock:
            items = [
                {
                    "aigc_video_type": "REFRESH_VIDEO",
                    "video_id": t["video_id"],
                    "video_name": t["video_name"],
                    "create_time": stamp(self.account.finished_at(t)),
                    "preview_url": self.account.preview_url(_base(request), t["video_id"]),
                }
                for t in self.account.successful("refresh_tasks")
            ]
        return page_of(items, page, size)


def _public_host(host: str) -> bool:
    """Whether a host could be reached from the internet (not private, reserved or a local name)."""
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    labels = host.lower().rstrip(".").split(".")
    return len(labels) > 1 and labels[-1] not in RESERVED_TLDS


def _source_of(path: str) -> dict[str, str]:
    """Which sandbox video or asset an uploaded URL serves (so a refresh can show its source)."""
    for prefix, key in (("/_sandbox/media/", "source_video_id"), ("/_sandbox/assets/", "source_asset")):
        if path.startswith(prefix):
            return {key: path[len(prefix) :].removesuffix(".mp4") if key == "source_video_id" else path[len(prefix) :]}
    return {}


def _probe(url: str) -> tuple[int | None, str]:
    try:
        with httpx.stream("GET", url, timeout=facts.UPLOAD_TIMEOUT_SECONDS) as reply:
            return reply.status_code, reply.headers.get("content-type", "")
    except httpx.HTTPError:
        return None, ""


def _date(filtering: dict[str, Any], name: str) -> str | None:
    value = filtering.get(name)
    if value is None:
        return None
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        raise ApiError(BAD_PARAM, f"filtering.{name}: must be YYYY-MM-DD") from None
    return str(value)


def build_app(world: World, emu: TikTokEmulator | None = None) -> Starlette:
    """The TikTok API, to be mounted at /open_api/v1.3."""
    emu = emu or TikTokEmulator(world)
    guard = Guard(world)
    refresh_limits = (
        (facts.REFRESH_CREATE_QPS, 1.0, f"refresh task create: {facts.REFRESH_CREATE_QPS} request per second"),
        (facts.REFRESH_CREATE_QPM, 60.0, f"refresh task create: {facts.REFRESH_CREATE_QPM} requests per minute"),
    )
    g = guard.wrap
    app = Starlette(
        routes=[
            Route(
                "/creative/digital_avatar/get/", g("/creative/digital_avatar/get/", emu.list_avatars), methods=["GET"]
            ),
            Route(
                "/creative/digital_avatar/video/task/create/",
                g("/creative/digital_avatar/video/task/create/", emu.create_avatar_videos, may_lose_reply=True),
                methods=["POST"],
            ),
            Route(
                "/creative/digital_avatar/video/task/get/",
                g("/creative/digital_avatar/video/task/get/", emu.get_avatar_tasks),
                methods=["GET"],
            ),
            Route(
                "/creative/digital_avatar/video/list/",
                g("/creative/digital_avatar/video/list/", emu.list_avatar_videos),
                methods=["GET"],
            ),
            Route("/file/video/ad/update/", g("/file/video/ad/update/", emu.rename_video), methods=["POST"]),
            Route(
                "/file/video/ad/upload/", g("/file/video/ad/upload/", emu.upload, may_lose_reply=True), methods=["POST"]
            ),
            Route(
                "/creative/aigc/refresh_video/task/create/",
                g(
                    "/creative/aigc/refresh_video/task/create/",
                    emu.create_refresh,
                    limits=refresh_limits,
                    may_lose_reply=True,
                ),
                methods=["POST"],
            ),
            Route(
                "/creative/aigc/video/task/list/",
                g("/creative/aigc/video/task/list/", emu.list_refresh_tasks),
                methods=["GET"],
            ),
            Route(
                "/creative/aigc/video/list/", g("/creative/aigc/video/list/", emu.list_refresh_videos), methods=["GET"]
            ),
        ]
    )
    app.router.redirect_slashes = False  # the real API wants the trailing slash: no redirect
    return app
