"""Telling the people named for a twin's consent where to give it: once per consent request and target.

The consent URL goes to those people only; the lockfile keeps, per target, a short digest and the time
it was told (never the target, which may carry a token, and never the URL).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

NOTIFIED = "consent_notified"  # the twin record's {digest: UTC time} of the targets already told
DIGEST_CHARS = 16


@dataclass(frozen=True, slots=True)
class ConsentNotice:
    """What the people named for consent are told: whose likeness, in which campaign, and the URL."""

    campaign: str
    twin_name: str
    address: str
    url: str  # a capability URL: only ever sent to the people named for consent

    def __repr__(self) -> str:
        return f"ConsentNotice({self.campaign!r}, {self.twin_name!r}, {self.address!r})"


class ConsentNotifier(Protocol):
    """Sends a notice to targets; returns those it reached (a failure is the notifier's own warning)."""

    def __call__(self, notice: ConsentNotice, targets: tuple[str, ...]) -> tuple[str, ...]: ...


def target_digest(group_id: str, target: str) -> str:
    """A target as the lockfile records it: a digest tied to the twin's group, never the URL itself."""
    return hashlib.sha256(f"{group_id}\n{target}".encode()).hexdigest()[:DIGEST_CHARS]


def untold(group_id: str, targets: tuple[str, ...], twin: Mapping[str, Any]) -> tuple[str, ...]:
    """The targets this twin's consent request has not reached yet."""
    told = twin.get(NOTIFIED) or {}
    return tuple(t for t in targets if target_digest(group_id, t) not in told)


def with_told(twin: Mapping[str, Any], reached: tuple[str, ...], at: str) -> dict[str, Any]:
    """The twin's record with the targets just reached added to those told before."""
    group_id = str(twin["group_id"])
    told = dict(twin.get(NOTIFIED) or {})
    told.update({target_digest(group_id, t): at for t in reached})
    return {**twin, NOTIFIED: told}
