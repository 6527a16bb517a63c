"""Lost creates looked for in the account's listing: one listing per avatar serves every lost create of it, paced.

A listing costs one request per page of the account's videos, so listings share the app's rate
with creates and polls: together they take at most LISTING_SHARE of it. A look concludes for every
lost create of that avatar at once: found (adopted), or past its deadline (created again).
"""

from __future__ import annotations

import math

from runner import api_facts as facts
from runner.execute.runs import JobRun

LISTING_SHARE = 0.2  # pages per second, as a share of the app's requests per second


class LostCreates:
    """The runs whose create's reply was lost, by avatar, and when the next listing may go."""

    def __init__(self, qps: float) -> None:
        self.pages_per_second = max(0.1, qps * LISTING_SHARE)
        self.runs: dict[str, dict[JobRun, None]] = {}  # avatar id -> its lost runs, in order
        self.listing: set[str] = set()  # avatars with a listing on its way
        self.next_at = 0.0  # monotonic: no listing before this

    def add(self, avatar: str, run: JobRun) -> None:
        """A run to look for."""
        self.runs.setdefault(avatar, {})[run] = None

    def drop(self, avatar: str, run: JobRun) -> None:
        """Found, or created again."""
        self.runs.get(avatar, {}).pop(run, None)

    def of(self, avatar: str) -> list[JobRun]:
        """Every lost run of an avatar."""
        return list(self.runs.get(avatar, {}))

    def wait(self, avatar: str, now: float) -> float:
        """Seconds until a listing for this avatar may go (0: now)."""
        if avatar in self.listing:
            return max(1.0, self.next_at - now)
        return max(0.0, self.next_at - now)

    def sent(self, avatar: str, now: float) -> None:
        """A listing went out; the next one waits at least for one page's share."""
        self.listing.add(avatar)
        self.next_at = max(self.next_at, now) + 1.0 / self.pages_per_second

    def answered(self, avatar: str, now: float, videos: int) -> None:
        """A listing came back with this many videos: the pages beyond the first push the next one out."""
        self.listing.discard(avatar)
        pages = max(1, math.ceil(videos / facts.PAGE_SIZE_MAX))
        self.next_at = max(self.next_at, now) + (pages - 1) / self.pages_per_second
