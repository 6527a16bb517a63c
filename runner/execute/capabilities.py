"""Optional things a provider client may offer the engine, each a typed Protocol checked with isinstance.

A client without one simply lacks that capability: the engine then uses the registry's facts
(rates) or goes without (pacing windows, shared render slots).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from runner.execute.ports import MissingClient
from runner.vocabulary.tasks import RenderResult


@runtime_checkable
class CountsRequests(Protocol):
    """Counts the requests it sent (for the run's summary)."""

    request_count: int


@runtime_checkable
class AppRate(Protocol):
    """Knows the requests per second its app is allowed (a rate tier other than the documented default)."""

    qps: float


@runtime_checkable
class RefreshPacing(Protocol):
    """Tells when a refresh create could be sent without waiting for its pacing window."""

    def refresh_create_ready_in(self) -> float:
        """Seconds until a refresh create has a slot (0: now)."""
        ...


class RenderSlots(Protocol):
    """Renders in flight on one account, shared by every runner."""

    def busy(self) -> int:
        """Renders in flight across every runner."""
        ...

    def hold(self, job: str, cap: int) -> bool:
        """Take (or renew) the job's slot; False when the account's cap is reached."""
        ...

    def release(self, job: str) -> None:
        """The render ended: free its slot."""
        ...


@runtime_checkable
class SharesRenderSlots(Protocol):
    """Holds its renders' slots in a store every runner sees (None: this runner counts alone)."""

    @property
    def render_slots(self) -> RenderSlots | None:
        """The shared slots, or None."""
        ...


@runtime_checkable
class RenderApi(Protocol):
    """A provider that renders one video per call under an idempotency key, then is polled by render id."""

    def create_render(self, request: Mapping[str, str], idempotency_key: str, title: str) -> str:
        """Start a render of `request` titled `title` (repeating the key replays the first reply); its render id."""
        ...

    def get_render(self, render_id: str) -> RenderResult:
        """Where the render stands."""
        ...


@runtime_checkable
class FindsRenders(Protocol):
    """Finds renders by their titles: a lost create after the key window, `campaign import`, stale lockfiles."""

    def find_renders(self, title: str) -> list[RenderResult]:
        """Every render whose title contains `title`, with its title and where it stands."""
        ...


def render_api(client: object) -> RenderApi:
    """The client as a render API (MissingClient when it is not one: its kind names the wrong driver)."""
    if not isinstance(client, RenderApi):
        raise MissingClient(f"{type(client).__name__} does not offer create_render / get_render")
    return client


def render_finder(client: object) -> FindsRenders | None:
    """The client as a finder of renders by title (None when it cannot find them)."""
    return client if isinstance(client, FindsRenders) else None
