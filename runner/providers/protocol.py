"""The one Protocol every provider client implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from runner.providers.models import CatalogAvatar


@runtime_checkable
class CatalogProvider(Protocol):
    """A provider whose avatar catalog can be listed."""

    request_count: int

    def list_avatars(self) -> list[CatalogAvatar]:
        """Every avatar in the catalog, exactly once, in the provider's order."""

    def close(self) -> None:
        """Release connections."""
