"""One rate budget shared by every runner of an app, in Redis (CAMPAIGN_RATE_URL).

A sliding window per developer app and endpoint, kept in a sorted set by a Lua script that reads
the time from Redis itself (runners' clocks may disagree) and declares every key it touches. A
slot is dated again when its reply arrives, as the in-process limiter does, so that requests stay
inside the server's window whatever the latency. A refusal sets a pause every runner honours.
Keys are derived from a hash of the app's credential and the limiter's name, never the secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from collections.abc import Mapping

import redis

from runner.providers.errors import RunStopped
from runner.providers.ratelimit import Slot
from runner.redact import redact_url
from runner.vocabulary.providers import providers

# KEYS[1] window (sorted set of slot ids by time in ms), KEYS[2] pause; ARGV limit, window ms, slot id, mode,
# in-flight ms.
# Returns 0 when a slot was taken (mode "take") or is free (mode "peek"), else milliseconds to wait.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  if ARGV[4] == 'take' then
    -- in flight: dated ahead until its reply dates it, so no runner counts it as gone too early
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[5]), ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window + tonumber(ARGV[5]))
  end
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local at = tonumber(oldest[2])
if at > now then return 50 end
return math.max(1, at + window - now)
"""
IN_FLIGHT_MS = 30_000  # a slot whose reply never comes (a killed runner) frees itself after this
# KEYS[1] renders in flight (sorted set of job keys by expiry ms); ARGV job key, cap, hold ms ("0": look only).
HOLD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[3] == '0' then return redis.call('ZCARD', KEYS[1]) end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  return 1
end
return 0
"""
RENDER_HOLD_MS = 15 * 60_000  # renewed at every poll; a render whose runner died frees its slot after this
# KEYS[1] window; ARGV slot id: date the slot by the reply's arrival (if it is still there).
COMPLETE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return now
"""


class SharedRateError(RunStopped):
    """The shared rate budget cannot be reached: stop creating (nothing is sent without a slot)."""


class SharedRate:
    """A connection to Redis and the apps whose budgets it holds."""

    def __init__(self, url: str, apps: Mapping[str, str]) -> None:
        self.url = url
        self.shown = redact_url(url)
        self.client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        self.apps = {p: hashlib.sha256(secret.encode()).hexdigest()[:16] for p, secret in apps.items() if secret}
        try:
            self.client.ping()
            self._acquire = self.client.register_script(ACQUIRE)
            self._hold = self.client.register_script(HOLD)
            self._complete = self.client.register_script(COMPLETE)
        except redis.RedisError as exc:
            raise SharedRateError(
                "rate",
                "redis",
                "UNREACHABLE",
                f"cannot reach the shared rate budget at {self.shown}: {exc}; check "
                "CAMPAIGN_RATE_URL and that Redis is running (apply never falls back to pacing on its own)",
            ) from None

    def render_slots(self, provider: str) -> RenderSlots:
        """The account's renders in flight, shared by every runner (HeyGen's concurrency cap)."""
        return RenderSlots(
            self, "campaign:renders:" + hashlib.sha256(self.apps.get(provider, "").encode()).hexdigest()[:24]
        )

    def limiter(self, name: str, limit: int, window: float) -> SharedLimiter:
        """The budget called `name` (e.g. `tiktok host:port app`) of this app."""
        provider = name.split(" ", 1)[0]
        app = self.apps.get(provider, "")
        key = "campaign:rate:" + hashlib.sha256(f"{app}|{name}".encode()).hexdigest()[:24]
        return SharedLimiter(self, key, limit, window)


class RenderSlots:
    """Renders in flight on one account: a job holds its slot from create to its end, across restarts."""

    def __init__(self, shared: SharedRate, key: str) -> None:
        self.shared = shared
        self.key = key

    def _run(self, job: str, cap: int, hold_ms: int) -> int:
        try:
            return int(self.shared._hold(keys=[self.key], args=[job, cap, hold_ms]))
        except redis.RedisError as exc:
            raise SharedRateError(
                "rate", "redis", "UNREACHABLE", f"the shared render slots at {self.shared.shown} failed: {exc}"
            ) from None

    def busy(self) -> int:
        """Renders in flight across every runner."""
        return self._run("", 0, 0)

    def hold(self, job: str, cap: int) -> bool:
        """Take (or renew) the job's slot; False when the account's cap is reached."""
        return self._run(job, cap, RENDER_HOLD_MS) == 1

    def release(self, job: str) -> None:
        """The render ended: free its slot."""
        with contextlib.suppress(redis.RedisError):
            self.shared.client.zrem(self.key, job)


class SharedSlot(Slot):
    """A slot in a shared window, named so its reply can date it."""

    __slots__ = ("member",)

    def __init__(self, member: str) -> None:
        super().__init__()
        self.member = member


class SharedLimiter:
    """One shared sliding window (the `Limiter` protocol)."""

    def __init__(self, shared: SharedRate, key: str, limit: int, window: float) -> None:
        self.shared = shared
        self.key = key
        self.pause_key = key + ":pause"
        self.limit = limit
        self.window_ms = max(1, int(window * 1000))

    def _call(self, mode: str, member: str) -> int:
        try:
            return int(
                self.shared._acquire(
                    keys=[self.key, self.pause_key], args=[self.limit, self.window_ms, member, mode, IN_FLIGHT_MS]
                )
            )
        except redis.RedisError as exc:
            raise SharedRateError(
                "rate",
                "redis",
                "UNREACHABLE",
                f"the shared rate budget at {self.shared.shown} failed: {exc}; "
                "stopped before sending; run apply again once Redis is back",
            ) from None

    def acquire(self) -> Slot:
        """Wait (real time) until the shared window has room, then take a slot in it."""
        member = uuid.uuid4().hex
        while True:
            wait_ms = self._call("take", member)
            if wait_ms <= 0:
                return SharedSlot(member)
            time.sleep(min(wait_ms / 1000.0, 5.0))

    def complete(self, slot: Slot) -> None:
        """Date the slot by its reply's arrival."""
        if not isinstance(slot, SharedSlot):
            return
        with contextlib.suppress(redis.RedisError):  # else the slot keeps its send time: early, never one too many
            self.shared._complete(keys=[self.key], args=[slot.member])

    def penalise(self, seconds: float) -> None:
        """A refusal: every runner of this app pauses this budget for `seconds`."""
        try:
            self.shared.client.set(self.pause_key, "1", px=max(1, int(seconds * 1000)))
        except redis.RedisError as exc:
            raise SharedRateError("rate", "redis", "UNREACHABLE", f"the shared rate budget failed: {exc}") from None

    def ready_in(self) -> float:
        """Seconds until a request could go."""
        return max(0, self._call("peek", "")) / 1000.0


def shared_rate_from_env(environ: Mapping[str, str] | None = None) -> SharedRate | None:
    """The Redis budget CAMPAIGN_RATE_URL names, keyed by each provider's credential hash; None when unset."""
    env = os.environ if environ is None else environ
    url = (env.get("CAMPAIGN_RATE_URL") or "").strip()
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise SharedRateError(
            "rate", "redis", "URL", f"CAMPAIGN_RATE_URL must be a redis:// URL, not {redact_url(url)!r}"
        )
    apps = {spec.name: env.get(spec.request_budget_key, "") for spec in providers() if spec.request_budget_key}
    return SharedRate(url, apps)
