"""The TikTok account the emulator keeps: avatar tasks, uploads, refresh tasks, on the virtual clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
import string
from typing import Any

from runner.paths import package_text
from runner.sandbox.docs_facts import tiktok as facts
from runner.sandbox.video import SAMPLE_SCRIPT, VideoSpec
from runner.sandbox.world import World


def load_catalog() -> list[dict[str, str]]:
    """The 88 avatars listed in the TikTok documentation."""
    avatars: list[dict[str, str]] = json.loads(package_text("sandbox", "data", "tiktok_avatars.json"))["avatars"]
    return avatars


def stamp(unix: float, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Virtual unix time as UTC text."""
    return dt.datetime.fromtimestamp(unix, dt.UTC).strftime(fmt)


class TikTokAccount:
    """State and lifecycle; every method is called under the world lock."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.documented = load_catalog()
        self.avatar_names = {a["avatar_id"]: a["avatar_name"] for a in self.documented}
        state = world.state_for("tiktok")
        for key in ("avatar_tasks", "uploads", "refresh_tasks"):
            state.setdefault(key, {})
        state.setdefault("seq", 0)
        state.setdefault("secret", f"{world.rng.getrandbits(128):032x}")
        state.setdefault("retired", [])
        self.state = state
        self.by_video = {t["video_id"]: t for kind in ("avatar_tasks", "refresh_tasks") for t in state[kind].values()}

    @property
    def catalog(self) -> list[dict[str, str]]:
        """The avatars the account may use now: the documented ones, less those retired."""
        retired = set(self.state["retired"])
        return [a for a in self.documented if a["avatar_id"] not in retired]

    @property
    def avatar_ids(self) -> set[str]:
        """The ids of the catalog's avatars (a create naming another is refused)."""
        return {a["avatar_id"] for a in self.catalog}

    def retire(self, ids: set[str]) -> int:
        """Take avatars out of the catalog, as the provider retires them: their videos stay, new creates are refused."""
        fresh = ids & self.avatar_ids
        self.state["retired"] = sorted(set(self.state["retired"]) | fresh)
        return len(fresh)

    def next_id(self, base: int) -> str:
        """A fresh numeric id."""
        self.state["seq"] += 1
        return str(base + self.state["seq"])

    def default_name(self, prefix: str, now: float) -> str:
        """A documented default name: `{prefix}-{YYYYMMDDHHMMSS}-{three random characters}`."""
        letters = "".join(self.world.rng.choice(string.ascii_letters) for _ in range(facts.DEFAULT_NAME_RANDOM_CHARS))
        return f"{prefix}-{stamp(now, facts.DEFAULT_NAME_TIME_FORMAT)}-{letters}"

    # --- lifecycle -------------------------------------------------------------------------
    def status(self, task: dict[str, Any]) -> str:
        """SUBMITTED -> PROCESSING -> SUCCESS/FAILED on the virtual clock."""
        elapsed = self.world.clock.time() - task["created"]
        if elapsed < min(5.0, task["duration"] * 0.1):
            return "SUBMITTED"
        if elapsed < task["duration"]:
            return "PROCESSING"
        return "FAILED" if task["fails"] else "SUCCESS"

    def finished_at(self, task: dict[str, Any]) -> float:
        """When the task finished (or will)."""
        return float(task["created"] + task["duration"])

    def new_avatar_task(self, package: dict[str, Any]) -> dict[str, Any]:
        """Record a paid avatar-video task."""
        now = self.world.clock.time()
        bound = facts.avatar_processing_bound(len(package["script"]))
        task = {
            "task_id": self.next_id(7_400_000_000_000_000_000),
            "video_id": self.next_id(7_500_000_000_000_000_000),
            "avatar_id": package["avatar_id"],
            "script": package["script"],
            "video_name": package.get("video_name") or self.default_name(facts.AVATAR_VIDEO_NAME_PREFIX, now),
            "package_id": package.get("package_id"),
            "created": now,
            "duration": self.world.processing_seconds(bound),
            "fails": self.world.task_rng.random() < self.world.config.task_failure_rate,
        }
        self.state["avatar_tasks"][task["task_id"]] = task
        self.by_video[task["video_id"]] = task
        self.world.event("avatar_videos_created")
        self.world.will_be_ready(self.finished_at(task))
        return task

    def new_refresh_tasks(
        self, video_id: str, strategies: list[str], add_hook: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        """Record the tasks of one refresh create (4 for a RECOMMENDED hook)."""
        now = self.world.clock.time()
        hook_types: tuple[str | None, ...] = (None,)
        if add_hook and add_hook.get("hook_type") == "RECOMMENDED":
            hook_types = facts.RECOMMENDED_HOOK_TYPES
        tasks = []
        for hook_type in hook_types:
            task = {
                "task_id": self.next_id(7_600_000_000_000_000_000),
                "video_id": self.next_id(7_700_000_000_000_000_000),
                "source_video_id": video_id,
                "strategies": strategies,
                "hook_type": hook_type or (add_hook or {}).get("hook_type"),
                "holiday_theme": (add_hook or {}).get("holiday_theme"),
                "video_name": self.default_name(facts.REFRESH_VIDEO_NAME_PREFIX, now),
                "created": now,
                "duration": self.world.processing_seconds(facts.REFRESH_PROCESSING_SECONDS),
                "fails": self.world.task_rng.random() < self.world.config.task_failure_rate,
            }
            self.state["refresh_tasks"][task["task_id"]] = task
            self.by_video[task["video_id"]] = task
            self.world.will_be_ready(self.finished_at(task))
            tasks.append(task)
        self.world.event("refresh_tasks_created", len(tasks))
        # a task set to fail never yields a video
        self.world.event("refresh_videos_created", sum(1 for t in tasks if not t["fails"]))
        return tasks

    def forget(self, ids: set[str] | None) -> int:
        """Lose tasks, their videos and uploads (all when `ids` is None), as after a provider-side loss."""
        lost = 0
        for kind in ("avatar_tasks", "refresh_tasks", "uploads"):
            for key, item in list(self.state[kind].items()):
                if ids is None or key in ids or item.get("video_id") in ids:
                    del self.state[kind][key]
                    self.by_video.pop(item.get("video_id", ""), None)
                    lost += 1
        return lost

    # --- media ---------------------------------------------------------------------------------
    def signature(self, video_id: str, expires: int) -> str:
        """The x-signature of a preview URL."""
        return hmac.new(self.state["secret"].encode(), f"{video_id}:{expires}".encode(), hashlib.sha256).hexdigest()[
            :32
        ]

    def preview_url(self, base: str, video_id: str) -> str:
        """A fresh signed URL that expires 6 virtual hours from now."""
        expires = math.ceil(self.world.clock.time() + self.world.config.url_ttl)
        return (
            f"{base}/_sandbox/media/{video_id}.mp4?x-expires={expires}&x-signature={self.signature(video_id, expires)}"
        )

    def video_spec(self, video_id: str) -> VideoSpec | None:
        """What a finished video shows: its avatar and script; a refresh adds its hook and theme."""
        task = self.by_video.get(video_id)
        if task is None:
            return None
        if "avatar_id" in task:
            return VideoSpec(
                title=self.avatar_names.get(task["avatar_id"], task["avatar_id"]),
                script=task["script"],
                seed=task["avatar_id"],
                label=video_id,
            )
        upload = self.state["uploads"].get(task["source_video_id"], {})
        source = self.by_video.get(upload.get("source_video_id", ""))
        base = self.video_spec(source["video_id"]) if source is not None and "avatar_id" in source else None
        marks = [f"HOOK: {task['hook_type']}"] if task.get("hook_type") else []
        if task.get("holiday_theme"):
            marks.append(f"THEME: {task['holiday_theme']}")
        if "SWAP_MUSIC" in task["strategies"]:
            marks.append("MUSIC SWAPPED")
        asset = str(upload.get("source_asset") or "stock video")
        return VideoSpec(
            title=base.title if base else f"Sample video {asset.rsplit('/', 1)[-1]}",
            script=base.script if base else SAMPLE_SCRIPT,
            seed=base.seed if base else asset,
            marks=tuple(marks),
            label=video_id,
        )

    def media_exists(self, video_id: str) -> bool:
        """Whether a finished video with this id exists."""
        task = self.by_video.get(video_id)
        return task is not None and self.status(task) == "SUCCESS"

    def successful(self, kind: str) -> list[dict[str, Any]]:
        """Finished videos of one kind, newest first."""
        done = [t for t in self.state[kind].values() if self.status(t) == "SUCCESS"]
        return sorted(done, key=lambda t: (-self.finished_at(t), t["task_id"]))
