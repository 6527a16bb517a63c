"""The sandbox's knobs: credentials, time scale, fault rates, rate-limit tier, persistence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner import api_facts as facts


@dataclass(frozen=True)
class SandboxConfig:
    """How the emulator behaves; every rate is a probability per request (or per task)."""

    token: str = "sandbox-token"  # TikTok access token, HeyGen API key and ZEGO server secret
    zego_app_id: str = "1000001"
    time_scale: float = 1.0  # real seconds per virtual second
    fault_rate: float = 0.0  # transient faults (HTTP 5xx or code 50000/50002); no effect
    slow_rate: float = 0.0  # replies delayed by 2-5 virtual seconds
    task_failure_rate: float = 0.0  # tasks that end FAILED
    lost_reply_rate: float = 0.0  # creates/uploads that take effect but whose reply is lost
    qps: float = facts.TIKTOK_APP_QPS  # the app's rate-limit tier
    seed: int | None = None
    state_file: Path | None = None
