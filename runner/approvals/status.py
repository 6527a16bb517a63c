"""What the approvals file says of one job that needs sign-off: who approved it, which roles it still awaits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runner.approvals.book import Signature

ANYONE = ""  # the role of a rule that names none: one signature by anyone is enough


@dataclass(frozen=True, slots=True)
class Approval:
    """The roles a job needs and the signatures that hold for its current content."""

    required: tuple[str, ...]
    signatures: tuple[Signature, ...] = ()

    @property
    def awaits(self) -> tuple[str, ...]:
        """The required roles no signature fills yet."""
        roles = {s.role for s in self.signatures}
        return tuple(r for r in self.required if not (r in roles if r != ANYONE else self.signatures))

    @property
    def approved(self) -> bool:
        """Every required role has signed this content."""
        return not self.awaits

    def data(self) -> dict[str, Any]:
        """The plan JSON's `approval` of one change."""
        return {
            "required": list(self.required),
            "approved_by": [{"name": s.name, "role": s.role, "at": s.at} for s in self.signatures],
            "awaits": list(self.awaits),
        }


def approval_words(data: Mapping[str, Any]) -> str:
    """A change's `approval` data as `approved by alice (legal), bob (brand)` or `awaits approval (legal, brand)`."""
    if data["awaits"]:
        named = [r for r in data["awaits"] if r != ANYONE]
        return "awaits approval" + (f" ({', '.join(named)})" if named else "")
    return "approved by " + ", ".join(
        f"{s['name']} ({s['role']})" if s["role"] else s["name"] for s in data["approved_by"]
    )
