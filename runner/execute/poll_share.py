"""While creates wait, polls of the same rate-limited app take at most half of its requests per second."""

from __future__ import annotations

import collections
from collections.abc import Iterable

from runner.execute.capabilities import AppRate
from runner.execute.ports import Providers
from runner.vocabulary.providers import provider

POLL_SHARE = 0.5
WINDOW = 1.0  # seconds


class PollShare:
    """Polls sent in the last second, against half of the app's requests per second."""

    def __init__(self, qps: float) -> None:
        self.budget = max(1, int(int(qps) * POLL_SHARE))
        self.recent: collections.deque[float] = collections.deque()

    def ready_in(self, now: float) -> float:
        """Seconds until a poll could be taken."""
        if len(self.recent) < self.budget:
            return 0.0
        return max(0.0, self.recent[0] + WINDOW - now)

    def take(self, now: float) -> bool:
        """Whether a poll may go now (and count it)."""
        while self.recent and self.recent[0] <= now - WINDOW:
            self.recent.popleft()
        if len(self.recent) >= self.budget:
            return False
        self.recent.append(now)
        return True


def app_qps(providers: Providers, name: str) -> float:
    """A provider's requests per second: the client's own tier when it tells one, else the documented one."""
    client = providers.client(name)
    return client.qps if isinstance(client, AppRate) else (provider(name).qps or 1.0)


def poll_shares(providers: Providers, names: Iterable[str]) -> dict[str, PollShare]:
    """A share for each of these providers whose creates and polls draw on one app rate (its registry entry says)."""
    return {name: PollShare(app_qps(providers, name)) for name in set(names) if provider(name).polls_yield_to_creates}
