"""The sandbox's account state, statistics and shared services, persisted on request."""

from __future__ import annotations

import collections
import json
import random
import threading
from pathlib import Path
from typing import Any

from runner.atomic import atomic_file
from runner.clock import Clock, RealClock
from runner.sandbox.config import SandboxConfig

EVENTS = (
    "faults",
    "avatar_videos_created",
    "refresh_tasks_created",
    "refresh_videos_created",
    "uploads",
    "heygen_videos_created",
    "media_downloads",
    "lost_replies",
    "slow_replies",
    "gateway_timeouts",
    "outage_refusals",
    "forgotten",
    "slow_renders",
    "heygen_concurrency_refusals",
    "asset_downloads",
)


class World:
    """Everything the emulators share: config, clock, randomness, state and stats."""

    def __init__(self, config: SandboxConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or RealClock()
        self.started = self.clock.monotonic()
        self.rng = random.Random(config.seed)
        # Task outcomes get their own stream: how many of N tasks fail does not depend on how
        # concurrent requests happened to interleave their fault draws.
        self.task_rng = random.Random(None if config.seed is None else config.seed + 1)
        self.lock = threading.RLock()
        self.state: dict[str, dict[str, Any]] = {}
        self.requests: collections.Counter[str] = collections.Counter()
        self.rate_limited: collections.Counter[str] = collections.Counter()
        self.events: collections.Counter[str] = collections.Counter()
        self.app_requests: dict[str, collections.Counter[str]] = {}
        self.app_refusals: dict[str, collections.Counter[str]] = {}
        self.ready_at_latest: float | None = None
        self.arrivals: dict[tuple[str, str], collections.deque[float]] = {}
        self.peaks: dict[str, dict[str, int]] = {}
        self.outage_until: float | None = None  # monotonic end of an outage started through /_sandbox/outage
        if config.state_file is not None and config.state_file.exists():
            self.state = load_state(config.state_file)
            bring_back_to_now(self.state, self.clock.time())

    # --- the services the HeyGen and ZEGO emulators use (EmulatorHooks) ------------------
    def count(self, endpoint: str, app: str | None = None) -> None:
        """Count one request to an endpoint (and to the app that sent it, when known)."""
        with self.lock:
            self.requests[endpoint] += 1
            if app is not None:
                self.app_requests.setdefault(app, collections.Counter())[endpoint] += 1

    def changed(self) -> None:
        """Persist the state after a mutation (atomically), when a state file is set."""
        path = self.config.state_file
        if path is None:
            return
        # an emulator's state: no fsync on every request
        with self.lock, atomic_file(path, durable=False) as out:
            out.write(json.dumps(self.state, sort_keys=True))

    def fault(self) -> bool:
        """Whether to inject a transient fault into this request."""
        with self.lock:
            hit = self.rng.random() < self.config.fault_rate
            if hit:
                self.events["faults"] += 1
            return hit

    def chance(self, rate: float) -> bool:
        """A seeded coin flip."""
        with self.lock:
            return self.rng.random() < rate

    def state_for(self, name: str) -> dict[str, Any]:
        """An emulator's persisted slot."""
        with self.lock:
            return self.state.setdefault(name, {})

    def refused(self, endpoint: str, app: str | None = None) -> None:
        """Count a rate-limit refusal."""
        with self.lock:
            self.rate_limited[endpoint] += 1
            if app is not None:
                self.app_refusals.setdefault(app, collections.Counter())[endpoint] += 1

    def arrived(self, app: str, peak: str, window: float) -> None:
        """Note a request sent (admitted or refused) for the peak count over a sliding window."""
        now = self.clock.monotonic()
        with self.lock:
            sent = self.arrivals.setdefault((app, peak), collections.deque())
            sent.append(now)
            while sent[0] <= now - window:
                sent.popleft()
            peaks = self.peaks.setdefault(app, {})
            peaks[peak] = max(peaks.get(peak, 0), len(sent))

    # --- timing ---------------------------------------------------------------------------
    def processing_seconds(self, bound: float) -> float:
        """A task's processing time: speed x bound x a seeded draw from spread, maybe slowed down."""
        config = self.config
        with self.lock:
            seconds = config.speed * bound * self.rng.uniform(*config.spread)
            if config.slow_render_rate and self.rng.random() < config.slow_render_rate:
                seconds *= config.slow_render_factor
                self.events["slow_renders"] += 1
        return seconds

    def scaled(self, documented_seconds: float) -> float:
        """Real seconds to sleep for a delay given in documented seconds (slow replies)."""
        return documented_seconds * self.config.speed

    def will_be_ready(self, at: float) -> None:
        """Note when a new task finishes (clock.time()), for the `ready_at_latest` statistic."""
        with self.lock:
            if self.ready_at_latest is None or at > self.ready_at_latest:
                self.ready_at_latest = at

    # --- faults -----------------------------------------------------------------------------
    def in_outage(self) -> bool:
        """Whether every request fails right now (a configured window, or one started by a test)."""
        elapsed = self.clock.monotonic() - self.started
        with self.lock:
            down = any(start <= elapsed < end for start, end in self.config.outages) or (
                self.outage_until is not None and self.clock.monotonic() < self.outage_until
            )
            if down:
                self.events["outage_refusals"] += 1
            return down

    def start_outage(self, seconds: float) -> None:
        """Fail every request for the next `seconds` (clock seconds)."""
        with self.lock:
            self.outage_until = self.clock.monotonic() + seconds

    def event(self, name: str, n: int = 1) -> None:
        """Count something the sandbox made (videos created, uploads...)."""
        with self.lock:
            self.events[name] += n

    def stats(self) -> dict[str, Any]:
        """Requests per endpoint, refusals, faults and what was created."""
        with self.lock:
            apps = {}
            for app in sorted(set(self.app_requests) | set(self.app_refusals) | set(self.peaks)):
                requests = self.app_requests.get(app, collections.Counter())
                refusals = self.app_refusals.get(app, collections.Counter())
                apps[app] = {
                    "requests": dict(sorted(requests.items())),
                    "requests_total": sum(requests.values()),
                    "rate_limited": dict(sorted(refusals.items())),
                    "rate_limited_total": sum(refusals.values()),
                    **dict(sorted(self.peaks.get(app, {}).items())),
                }
            return {
                "requests": dict(sorted(self.requests.items())),
                "requests_total": sum(self.requests.values()),
                "rate_limited": dict(sorted(self.rate_limited.items())),
                "rate_limited_total": sum(self.rate_limited.values()),
                **{name: self.events[name] for name in EVENTS},
                "apps": apps,
                "ready_at_latest": self.ready_at_latest,
                "now": self.clock.time(),
            }

    def reset_stats(self) -> None:
        """Zero the counters (state is kept)."""
        with self.lock:
            self.requests.clear()
            self.rate_limited.clear()
            self.events.clear()
            self.app_requests.clear()
            self.app_refusals.clear()
            self.arrivals.clear()
            self.peaks.clear()
            self.ready_at_latest = None


class SavedStateError(ValueError):
    """A saved account that cannot be read (damaged, or not written by the sandbox)."""


def load_state(path: Path) -> dict[str, dict[str, Any]]:
    """The account saved in `path`: one JSON object per emulated provider."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SavedStateError(
            f"{path}: the sandbox's saved account is not readable JSON ({type(exc).__name__})"
        ) from None
    if not isinstance(state, dict) or not all(isinstance(v, dict) for v in state.values()):
        raise SavedStateError(f"{path}: the sandbox's saved account is not an object of providers' accounts")
    return state


TIMESTAMP_KEYS = ("created", "created_at", "trained_at", "at")
SHIFTED_AGE_SECONDS = 3600.0


def bring_back_to_now(state: dict[str, Any], now: float) -> None:
    """Shift a saved account whose times lie in the future (saved on a faster scaled clock) into the past.

    Its latest moment becomes an hour ago: order and durations are kept, and what was rendering then
    has finished since, as it would have on the real clock.
    """
    stamps: list[tuple[dict[str, Any], str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in TIMESTAMP_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
                    stamps.append((node, key))
                else:
                    walk(value)

    walk(state)
    latest = max((float(item[key]) for item, key in stamps), default=now)
    if latest > now + 60:
        shift = now - SHIFTED_AGE_SECONDS - latest
        for item, key in stamps:
            item[key] = item[key] + shift
