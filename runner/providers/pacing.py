"""The run's rate limiters by name, and their recent slots kept on disk so that a restarted run stays paced."""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import httpx

from runner.atomic import StorageError, atomic_file
from runner.clock import Clock
from runner.providers.ratelimit import Limiter, RateLimiter

if TYPE_CHECKING:
    from runner.providers.shared_rate import RenderSlots, SharedRate

PACING_FILE = "pacing.json"
SAVE_EVERY = 0.2  # real seconds between saves of short windows; long windows (a minute) save at once


def limiter_scope(provider: str, base_url: str) -> str:
    """The part of a limiter's name that says whose budget it is: provider and host (never a credential)."""
    url = httpx.URL(base_url)
    return f"{provider} {url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"


class PacingStore(Protocol):
    """Where recent slots (Unix times of replies) outlive the process."""

    def load(self) -> dict[str, list[float]]:
        """Slots by limiter name; empty when there is nothing usable."""

    def save(self, slots: dict[str, list[float]]) -> None:
        """Replace what is stored."""


class PacingFile:
    """A small JSON file in the spec's untracked state folder, written atomically (without fsync: it is a hint)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / PACING_FILE

    def load(self) -> dict[str, list[float]]:
        """Slots by limiter name; a missing or unreadable file is no history."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {str(name): [float(t) for t in stamps] for name, stamps in data["limiters"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def save(self, slots: dict[str, list[float]]) -> None:
        """Write the slots; a folder that cannot be written only loses the hint."""
        try:
            with atomic_file(self.path, durable=False) as out:
                json.dump({"version": 1, "limiters": slots}, out, sort_keys=True)
        except (OSError, StorageError):
            pass


class Pacing:
    """Every limiter of a run, by name (clients of one app share one), restored from and saved to a store."""

    def __init__(self, clock: Clock, store: PacingStore | None = None, shared: SharedRate | None = None) -> None:
        self._clock = clock
        self._store = store
        self._shared = shared  # CAMPAIGN_RATE_URL: every runner of an app draws on one budget in Redis
        self._shared_limiters: dict[str, Limiter] = {}
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()
        self._saved: dict[str, list[float]] = store.load() if store is not None else {}
        self._last_save = 0.0

    def limiter(self, name: str, limit: int, window: float) -> Limiter:
        """The limiter called `name`, created on first use with the stored slots still inside its window."""
        with self._lock:
            if self._shared is not None:
                shared = self._shared_limiters.get(name)
                if shared is None:
                    shared = self._shared_limiters[name] = self._shared.limiter(name, limit, window)
                return shared
            found = self._limiters.get(name)
            if found is None:
                found = RateLimiter(self._clock, limit, window, on_complete=self._completed)
                found.restore(self._to_monotonic(self._saved.get(name, [])))
                self._limiters[name] = found
            return found

    def render_slots(self, provider: str) -> RenderSlots | None:
        """Renders in flight shared by every runner of the account (Redis), or None (counted by the run)."""
        return self._shared.render_slots(provider) if self._shared is not None else None

    def _completed(self, limiter: RateLimiter) -> None:
        if self._store is not None and (limiter.window > 1.0 or time.monotonic() - self._last_save >= SAVE_EVERY):
            self.save()

    def save(self) -> None:
        """Store every limiter's recent slots as Unix times (kept with names not used in this run)."""
        if self._store is None:
            return
        with self._lock:
            self._last_save = time.monotonic()
            offset = self._clock.time() - self._clock.monotonic()
            slots = {
                # rounded up to the millisecond: a restored slot may end a little late, never early
                name: [math.ceil((at + offset) * 1000) / 1000 for at in limiter.recent()]
                for name, limiter in self._limiters.items()
            }
            now = self._clock.time()
            kept = {
                name: [t for t in stamps if t > now - 60.0] for name, stamps in self._saved.items() if name not in slots
            }
            self._store.save({name: stamps for name, stamps in {**kept, **slots}.items() if stamps})

    def _to_monotonic(self, stamps: list[float]) -> list[float]:
        offset = self._clock.monotonic() - self._clock.time()
        return [t + offset for t in stamps]
