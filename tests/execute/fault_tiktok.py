"""A small TikTok account behind an httpx transport, with seeded faults: the real client and engine run against it.

Every paid create is counted per job key (`paid`), so a test can tell "paid twice for one attempt" from a retry.
Tasks finish `TASK_SECONDS` after their create on the shared fake clock; a failed render makes no video.
"""

from __future__ import annotations

import collections
import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

from runner.clock import Clock
from runner.providers.config import settings_from_env
from runner.providers.tiktok import TikTokClient

BASE = "https://tiktok.invalid/open_api/v1.3"
TASK_SECONDS = 5.0
RUNAWAY = 20_000  # requests: far beyond any bound a test checks; a run that gets here loops forever


@dataclass
class Faults:
    """Probabilities per request (creates and uploads: `lost`), per task (`failed_render`)."""

    lost: float = 0.0  # the create takes effect, its reply never arrives
    failed_render: float = 0.0  # the task ends FAILED and makes no video
    transient: float = 0.0  # code 50000, no effect
    rate_limited: float = 0.0  # code 40100, no effect
    refused_connection: float = 0.0  # httpx.ConnectError before anything is sent
    stuck: float = 0.0  # the task never finishes


@dataclass
class FaultyTikTok:
    """The account, its faults and what it was asked."""

    clock: Clock
    faults: Faults
    rng: random.Random
    requests: int = 0
    paid: collections.Counter[str] = field(default_factory=collections.Counter)  # job key -> tasks made for it
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    lose_once: list[str] = field(default_factory=list)  # paths whose next reply is lost after taking effect
    refuse_unknown_tasks: bool = False
    lock: threading.Lock = field(
        default_factory=threading.Lock
    )  # a task look-up naming an id it does not know is refused (40002), not left out

    def client(self, **kwargs: Any) -> TikTokClient:
        """The real client, over this account's transport."""
        settings = settings_from_env({"TIKTOK_ACCESS_TOKEN": "t", "TIKTOK_API_BASE_URL": BASE})
        return TikTokClient(settings, clock=self.clock, transport=httpx.MockTransport(self.handle), **kwargs)

    def _chance(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def handle(self, request: httpx.Request) -> httpx.Response:
        """One request at a time (the engine sends from several threads): maybe a fault, else the endpoint's answer."""
        with self.lock:
            return self._handle(request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        assert self.requests < RUNAWAY, "the engine keeps sending: a loop without a bound"
        if self._chance(self.faults.refused_connection):
            raise httpx.ConnectError("connection refused", request=request)
        if self._chance(self.faults.rate_limited):
            return _reply({}, 40100, "Too many requests")
        if self._chance(self.faults.transient):
            return _reply({}, 50000, "system error")
        path = request.url.path.removeprefix("/open_api/v1.3")
        query = {k: json.loads(v) if v.startswith("[") else v for k, v in request.url.params.items()}
        body = json.loads(request.content) if request.content else {}
        unknown = [t for t in query.get("task_ids", []) if t not in self.tasks]
        if self.refuse_unknown_tasks and unknown:
            return _reply({}, 40002, f"task_ids: task {unknown[0]} does not exist")
        data = self._endpoint(request.method, path, query, body)
        if path in self.lose_once:
            self.lose_once.remove(path)
            raise httpx.ReadTimeout("the reply was lost", request=request)
        if request.method == "POST" and path.endswith("/create/") and self._chance(self.faults.lost):
            raise httpx.ReadTimeout("the reply was lost", request=request)
        return _reply(data)

    def _endpoint(self, method: str, path: str, query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        if path == "/creative/digital_avatar/video/task/create/":
            made = [self._task(p["package_id"], video_name=p["video_name"]) for p in body["material_packages"]]
            return {
                "list": [
                    {"task_id": t, "package_id": p["package_id"]}
                    for t, p in zip(made, body["material_packages"], strict=True)
                ]
            }
        if path == "/creative/digital_avatar/video/task/get/":
            return {"list": [self._avatar_task(t) for t in query["task_ids"] if t in self.tasks]}
        if path == "/creative/digital_avatar/video/list/":
            videos = [t for t in self.tasks.values() if t["kind"] == "avatar" and self._status(t) == "SUCCESS"]
            listed = [{"avatar_video_id": t["video_id"], "video_name": t["video_name"]} for t in videos]
            return {"list": listed, "page_info": {"total_page": 1}}
        if path == "/file/video/ad/upload/":
            return {"video_id": "stock-" + body["video_url"].rsplit("/", 1)[-1]}
        if path == "/creative/aigc/refresh_video/task/create/":
            return {"task_ids": [self._task(f"refresh:{body['video_id']}", kind="refresh")]}
        if path == "/creative/aigc/video/task/list/":
            return {"list": [self._refresh_task(t) for t in query["task_ids"] if t in self.tasks]}
        raise AssertionError(f"unexpected {method} {path}")

    def _task(self, job: str, kind: str = "avatar", video_name: str = "") -> str:
        self.paid[job] += 1
        task_id = str(7_400_000_000_000_000_000 + len(self.tasks))
        failed = self._chance(self.faults.failed_render)
        seconds = float("inf") if self._chance(self.faults.stuck) else TASK_SECONDS
        self.tasks[task_id] = {
            "kind": kind,
            "job": job,
            "video_name": video_name,
            "video_id": f"v{task_id}",
            "done_at": self.clock.monotonic() + seconds,
            "failed": failed,
        }
        return task_id

    def _status(self, task: dict[str, Any]) -> str:
        if self.clock.monotonic() < task["done_at"]:
            return "PROCESSING"
        return "FAILED" if task["failed"] else "SUCCESS"

    def _avatar_task(self, task_id: str) -> dict[str, Any]:
        task = self.tasks[task_id]
        status = self._status(task)
        done = status == "SUCCESS"
        return {
            "task_id": task_id,
            "status": status,
            "video_name": task["video_name"],
            "avatar_video_id": task["video_id"] if done else "",
            "preview_url": f"https://media.invalid/{task['video_id']}.mp4" if done else "",
            "error_msg": "the render failed" if status == "FAILED" else "",
        }

    def _refresh_task(self, task_id: str) -> dict[str, Any]:
        task = self.tasks[task_id]
        status = self._status(task)
        return {"task_id": task_id, "status": status, "video_id": task["video_id"] if status == "SUCCESS" else ""}


def _reply(data: dict[str, Any], code: int = 0, message: str = "OK") -> httpx.Response:
    return httpx.Response(200, json={"code": code, "message": message, "request_id": "r", "data": data})
