"""The sandbox's account state, statistics and shared services, persisted on request."""

from __future__ import annotations

import collections
import json
import random
import threading
from typing import Any

from runner.atomic import atomic_file
from runner.clock import Clock, ScaledClock
from runner.sandbox.config import SandboxConfig


class World:
    """Everything the emulators share: config, clock, randomness, state and stats."""

    def __init__(self, config: SandboxConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or ScaledClock(config.time_scale)
        self.rng = random.Random(config.seed)
        # Task outcomes get their own stream: how many of N tasks fail does not depend on how
        # concurrent requests happened to interleave their fault draws.
        self.task_rng = random.Random(None if config.seed is None else config.seed + 1)
        self.lock = threading.RLock()
        self.state: dict[str, dict[str, Any]] = {}
        self.requests: collections.Counter[str] = collections.Counter()
        self.rate_limited: collections.Counter[str] = collections.Counter()
        self.events: collections.Counter[str] = collections.Counter()
        self._faults_forced = 0
        if config.state_file is not None and config.state_file.exists():
            self.state = json.loads(config.state_file.read_text(encoding="utf-8"))

    # --- the services the HeyGen and ZEGO emulators use (EmulatorHooks) ------------------
    def count(self, endpoint: str) -> None:
        """Count one request to an endpoint."""
        with self.lock:
            self.requests[endpoint] += 1

    def changed(self) -> None:
        """Persist the state after a mutation (atomically), when a state file is set."""
        path = self.config.state_file
        if path is None:
            return
        with self.lock:
            with atomic_file(path, durable=False) as out:  # an emulator's state: no fsync on every request
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

    def refused(self, endpoint: str) -> None:
        """Count a rate-limit refusal."""
        with self.lock:
            self.rate_limited[endpoint] += 1

    def event(self, name: str, n: int = 1) -> None:
        """Count something the sandbox made (videos created, uploads...)."""
        with self.lock:
            self.events[name] += n

    def stats(self) -> dict[str, Any]:
        """Requests per endpoint, refusals, faults and what was created."""
        with self.lock:
            return {
                "requests": dict(sorted(self.requests.items())),
                "requests_total": sum(self.requests.values()),
                "rate_limited": dict(sorted(self.rate_limited.items())),
                "rate_limited_total": sum(self.rate_limited.values()),
                "faults": self.events["faults"],
                "avatar_videos_created": self.events["avatar_videos_created"],
                "refresh_tasks_created": self.events["refresh_tasks_created"],
                "refresh_videos_created": self.events["refresh_videos_created"],
                "uploads": self.events["uploads"],
                "heygen_videos_created": self.events["heygen_videos_created"],
                "media_downloads": self.events["media_downloads"],
                "lost_replies": self.events["lost_replies"],
                "slow_replies": self.events["slow_replies"],
            }

    def reset_stats(self) -> None:
        """Zero the counters (state is kept)."""
        with self.lock:
            self.requests.clear()
            self.rate_limited.clear()
            self.events.clear()
