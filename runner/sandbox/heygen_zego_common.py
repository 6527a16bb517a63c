"""What the HeyGen and ZEGO emulators need from the sandbox, and small helpers they share."""

from __future__ import annotations

import base64
import collections
import contextlib
import json
import math
import random
import threading
from pathlib import Path
from typing import Any, Protocol

from runner.clock import Clock


class EmulatorConfig(Protocol):
    """The parts of the sandbox configuration the emulators read."""

    @property
    def token(self) -> str:
        """HeyGen API key and ZEGO server secret."""

    @property
    def zego_app_id(self) -> str:
        """The ZEGO AppId the sandbox accepts."""

    @property
    def gateway_timeout_rate(self) -> float:
        """Share of creates that take effect, then answer HTTP 504."""

    @property
    def forget_rate(self) -> float:
        """Share of created renders the provider forgets."""

    @property
    def heygen_max_concurrent(self) -> int:
        """HeyGen renders in progress allowed per API key."""

    @property
    def twin_training_failure_rate(self) -> float:
        """Share of approved digital twins whose training fails."""

    @property
    def video_cache(self) -> Path | None:
        """Where rendered videos are cached (None: the default cache folder)."""

    def app_of(self, token: str) -> str | None:
        """The app label of an accepted token, or None."""

    @property
    def slow_rate(self) -> float:
        """Share of replies that are slow."""

    @property
    def task_failure_rate(self) -> float:
        """Share of renders that end failed."""

    @property
    def lost_reply_rate(self) -> float:
        """Share of creates that take effect but whose reply is lost."""


class EmulatorHooks(Protocol):
    """Shared sandbox services: clock, config, randomness, stats, faults and persisted state."""

    @property
    def clock(self) -> Clock:
        """Virtual time."""

    @property
    def config(self) -> EmulatorConfig:
        """The sandbox configuration."""

    @property
    def rng(self) -> random.Random:
        """Seeded randomness."""

    @property
    def lock(self) -> contextlib.AbstractContextManager[Any]:
        """Held while reading or changing state (persistence serialises under it)."""

    def count(self, endpoint: str, app: str | None = None) -> None:
        """Count one request to an endpoint in the stats."""

    def refused(self, endpoint: str, app: str | None = None) -> None:
        """Count a rate-limit refusal."""

    def chance(self, rate: float) -> bool:
        """A seeded coin flip."""

    def arrived(self, app: str, peak: str, window: float) -> None:
        """Note a request sent, for the app's peak count over a sliding window."""

    def processing_seconds(self, bound: float) -> float:
        """A new task's processing time in clock seconds (speed, spread, slow renders)."""

    def scaled(self, documented_seconds: float) -> float:
        """Real seconds to sleep for a delay given in documented seconds."""

    def will_be_ready(self, at: float) -> None:
        """Note when a new task finishes (clock.time())."""

    def in_outage(self) -> bool:
        """Whether every request fails right now."""

    def event(self, name: str, n: int = 1) -> None:
        """Count something the sandbox made (e.g. heygen_videos_created)."""

    def changed(self) -> None:
        """Persist the state after a mutation."""

    def fault(self) -> bool:
        """Whether to inject a transient fault into this request (a faulted request has no effect)."""

    def state_for(self, name: str) -> dict[str, Any]:
        """This emulator's JSON-serialisable state, persisted with the world."""


class SlidingWindow:
    """At most `limit` events per `window` virtual seconds (thread-safe)."""

    def __init__(self, clock: Clock, limit: int, window: float = 1.0) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._events: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def admit(self) -> float | None:
        """Record an event and return None, or refuse and return the virtual seconds to wait."""
        with self._lock:
            now = self._clock.monotonic()
            while self._events and self._events[0] <= now - self._window:
                self._events.popleft()
            if len(self._events) >= self._limit:
                return max(self._events[0] + self._window - now, 0.0)
            self._events.append(now)
            return None


def slow_reply_seconds(rng: random.Random) -> float:
    """How long a slow reply takes: 2-5 documented seconds."""
    return rng.uniform(2.0, 5.0)


def retry_after_header(wait: float) -> str:
    """`Retry-After` in whole virtual seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


def encode_cursor(offset: int, query: str) -> str:
    """An opaque page token carrying the next offset and the query it belongs to."""
    raw = json.dumps({"o": offset, "q": query}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, query: str) -> int | None:
    """The offset in a page token, or None when it is not one of ours for this query."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        offset = data["o"]
        if not isinstance(offset, int) or offset < 0 or data["q"] != query:
            return None
        return offset
    except (ValueError, KeyError, TypeError):
        return None


class DroppedReply:
    """An ASGI reply that starts and never finishes: the client sees the connection drop."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
