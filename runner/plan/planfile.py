"""Saved plans (`plan --out`): the plan JSON stamped with spec and lockfile digests."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import PlanMismatch
from runner.lock.lockfile import digest_of_file, write_atomic
from runner.plan.model import Plan
from runner.plan.render import FORMAT_VERSION, plan_data
from runner.spec.model import Spec


def spec_digest(spec: Spec) -> str:
    """sha256 over the spec file and every template file it uses."""
    digest = hashlib.sha256(spec.path.read_bytes())
    for origin in sorted({s.origin for s in spec.scripts.values() if s.origin != "inline"}):
        digest.update(b"\0" + origin.encode() + b"\0")
        path = Path(origin)
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


def lock_digest(lock_path: Path) -> str:
    """sha256 of the lockfile bytes (of the empty string when there is no lockfile yet)."""
    return digest_of_file(lock_path)


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A plan read back from a file."""

    spec_digest: str
    lock_digest: str
    changes: tuple[tuple[str, str], ...]  # (action, key)
    data: dict[str, Any]


def change_signature(plan: Plan) -> tuple[tuple[str, str], ...]:
    """What must match between a saved plan and a fresh one: each change's action and key."""
    return tuple((c.action.value, c.key) for c in plan.changes)


def write_plan_file(path: Path, plan: Plan) -> None:
    """Write the plan with its digests, atomically."""
    write_atomic(path, json.dumps(plan_data(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n")


def read_plan_file(path: Path) -> SavedPlan:
    """Read a saved plan; PlanMismatch when it is not a plan this version understands."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanMismatch(f"{path}: no such plan file; create it with `campaign plan SPEC --out {path}`") from None
    except (OSError, ValueError) as exc:
        raise PlanMismatch(f"{path}: not a plan file ({exc}); create it with `campaign plan SPEC --out {path}`") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise PlanMismatch(f"{path}: not a plan file of format {FORMAT_VERSION}; re-run `campaign plan --out`")
    return SavedPlan(
        spec_digest=str(data.get("spec_digest", "")),
        lock_digest=str(data.get("lock_digest", "")),
        changes=tuple((c["action"], c["key"]) for c in data.get("changes", [])),
        data=data,
    )
