"""What goes wrong with a state backend."""

from __future__ import annotations

from runner.errors import CampaignError


class StateBackendError(CampaignError):
    """The state backend cannot be used (unreachable, lost lease, newer or foreign state)."""


class LockHeld(StateBackendError):
    """Another runner holds the campaign's lease."""


class LeaseLapsed(StateBackendError):
    """This runner's lease was taken over or may have lapsed: it must send nothing more."""
