"""The sandbox's knobs: credentials, speed and spread, fault rates, limits, persistence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.sandbox.docs_facts import heygen as heygen_facts
from runner.sandbox.docs_facts import tiktok as tiktok_facts

DEFAULT_SPREAD = (0.5, 1.0)  # tasks finish between half the (sped-up) documented bound and the bound
HEYGEN_PLAN_CONCURRENCY = (1, 3, 6, 10)  # concurrent renders per account by HeyGen plan tier


@dataclass(frozen=True)
class SandboxConfig:
    """How the emulator behaves; every rate is a probability per request (or per task).

    Timing: a task's processing time is `speed` x the documented bound x a factor drawn
    uniformly (seeded) from `spread` = (low, high); `slow_render_rate` of tasks take
    `slow_render_factor` times longer again. Everything runs on the server's clock: the real one
    unless a test injects another.
    """

    token: str = "sandbox-token"  # TikTok access token, HeyGen API key and ZEGO server secret
    zego_app_id: str = "1000001"
    tokens: tuple[str, ...] = ()  # further tokens, each its own app with its own limits and counters
    speed: float = 1.0  # a task takes this fraction of the documented processing time
    spread: tuple[float, float] = DEFAULT_SPREAD  # (low, high) fractions of the bound a task takes
    url_ttl: float = tiktok_facts.PREVIEW_URL_TTL_SECONDS  # seconds a signed preview URL stays valid
    fault_rate: float = 0.0  # transient faults (HTTP 5xx or code 50000/50002); no effect
    slow_rate: float = 0.0  # replies delayed by 2-5 (sped-up) seconds
    task_failure_rate: float = 0.0  # tasks that end FAILED
    lost_reply_rate: float = 0.0  # creates/uploads that take effect but whose reply is lost
    gateway_timeout_rate: float = 0.0  # creates/uploads that take effect, then answer HTTP 504
    forget_rate: float = 0.0  # tasks and uploads the provider forgets right after replying
    slow_render_rate: float = 0.0  # tasks that render slower than documented
    slow_render_factor: float = 2.0  # how much slower (> 1)
    outages: tuple[tuple[float, float], ...] = ()  # (start, end) seconds after start-up: every request 503
    twin_training_failure_rate: float = 0.0  # approved HeyGen digital twins whose training fails
    heygen_max_concurrent: int = heygen_facts.MAX_RENDERS_IN_PROGRESS  # renders per API key (tier 1/3/6/10)
    public_urls: bool = True  # uploads of public http(s) URLs are served from the asset store (no internet here)
    qps: float = tiktok_facts.APP_QPS  # the app's rate-limit tier
    seed: int | None = None
    state_file: Path | None = None
    video_cache: Path | None = None  # where rendered MP4s are kept [default: runner.sandbox.video.default_cache_dir()]

    def __post_init__(self) -> None:
        problems = []
        low, high = self.spread
        if not self.speed > 0:
            problems.append(f"speed must be > 0, not {self.speed!r}")
        if not (low > 0 and high >= low):
            problems.append(f"spread must be (low, high) with 0 < low <= high, not {self.spread!r}")
        if not self.qps > 0:
            problems.append(f"qps must be > 0, not {self.qps!r}")
        if not self.url_ttl > 0:
            problems.append(f"url_ttl must be > 0, not {self.url_ttl!r}")
        if not self.slow_render_factor >= 1:
            problems.append(f"slow_render_factor must be >= 1, not {self.slow_render_factor!r}")
        if self.heygen_max_concurrent < 1:
            problems.append(f"heygen_max_concurrent must be >= 1, not {self.heygen_max_concurrent!r}")
        for start, end in self.outages:
            if not 0 <= start < end:
                problems.append(f"outage ({start!r}, {end!r}) must have 0 <= start < end")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def all_tokens(self) -> tuple[str, ...]:
        """Every token the sandbox accepts, the main one first (duplicates dropped)."""
        return tuple(dict.fromkeys((self.token, *self.tokens)))

    def app_of(self, token: str) -> str | None:
        """The app label of a token (`app1` for the main token, then `app2`...), or None when unknown."""
        for index, known in enumerate(self.all_tokens, start=1):
            if token == known:
                return f"app{index}"
        return None
