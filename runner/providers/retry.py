"""The retry policy as an immutable value: jittered, capped exponential backoff."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait between attempts (virtual seconds)."""

    max_attempts: int = 8
    base: float = 0.5
    cap: float = 30.0
    jitter: bool = True
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Wait before attempt `attempt + 1` (attempt counts from 1); honours Retry-After."""
        ceiling = min(self.cap, self.base * (2 ** (attempt - 1)))
        wait = self.rng.uniform(ceiling / 2, ceiling) if self.jitter else ceiling
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait

    def should_retry(self, attempt: int) -> bool:
        """Whether another attempt is allowed after `attempt` attempts."""
        return attempt < self.max_attempts
