"""Saved plans (`plan --out`): the plan JSON stamped with spec and lockfile digests."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.atomic import StorageError, atomic_file
from runner.campaignfile.model import Spec
from runner.errors import PlanMismatch
from runner.lock.lockfile import digest_of_file
from runner.plan.model import Plan
from runner.plan.render import FORMAT_VERSION, plan_data


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

    @property
    def spec(self) -> str:
        """The campaign file the plan was made from, as it was named then ("" for older plan files)."""
        return str(self.data.get("spec") or "")


def _by_address(action: str, kind: object, addresses: object) -> tuple[str, str, tuple[str, ...]]:
    return (
        (action, str(kind), tuple(sorted(str(a) for a in addresses)))
        if isinstance(addresses, (list, tuple))
        else (action, str(kind), ())
    )


def saved_plan_matches(saved: SavedPlan, plan: Plan) -> bool:
    """Whether a fresh plan does what the saved one showed.

    Jobs whose avatar was still a name when the plan was saved had provisional keys ("known after
    apply"): they are compared by action, kind and addresses; every other change by action and key.
    """
    entries = [c for c in saved.data.get("changes", []) if isinstance(c, dict) and not _awaited(c)]
    provisional = {str(a) for c in entries if c.get("provisional") for a in c.get("addresses", [])}
    wanted = Counter(
        _by_address(str(c["action"]), c.get("kind"), c.get("addresses"))
        if c.get("provisional")
        else (str(c["action"]), str(c["key"]))
        for c in entries
    )
    fresh: Counter[tuple[object, ...]] = Counter()
    for change in plan.changes:
        job, record = change.job, change.record
        addresses = job.addresses if job else (record.addresses if record else ())
        kind = job.kind if job else (record.kind if record else None)
        if provisional & set(addresses):
            fresh[_by_address(change.action.value, kind, addresses)] += 1
        else:
            fresh[(change.action.value, change.key)] += 1
    return fresh == wanted


def _awaited(change: dict[str, Any]) -> bool:
    """A change the saved plan showed as awaiting approval: apply did not count on making it."""
    approval = change.get("approval")
    return isinstance(approval, dict) and bool(approval.get("awaits"))


def revoked_since(saved: SavedPlan, plan: Plan) -> list[str]:
    """What the saved plan counted as approved and now awaits approval again (an approval was revoked)."""
    held = {c.key: c for c in plan.held}
    return [
        f"{(c.get('addresses') or [c['key']])[0]} ({', '.join(s['name'] for s in c['approval']['approved_by'])})"
        for c in saved.data.get("changes", [])
        if isinstance(c, dict) and isinstance(c.get("approval"), dict) and not _awaited(c) and c.get("key") in held
    ]


def check_saved_plan(saved: SavedPlan, plan_path: Path, spec: Spec, lock_path: Path) -> None:
    """PlanMismatch when a saved plan was made from another campaign file, or its spec or lockfile changed."""
    if saved.spec_digest != spec_digest(spec):
        other_file = saved.spec and Path(saved.spec).name != spec.path.name
        other_campaign = saved.data.get("campaign") not in (None, spec.campaign)
        if other_file or other_campaign:
            made_from = saved.spec or f"campaign '{saved.data.get('campaign')}'"
            raise PlanMismatch(
                f"the plan {plan_path} is for {made_from}, not {spec.path}; apply it with "
                f"`campaign apply {saved.spec or 'SPEC'} --plan {plan_path}`, or make a plan of {spec.path} with `campaign plan --out`"
            )
        raise PlanMismatch(f"{spec.path} changed since the plan {plan_path} was made; run `campaign plan --out` again")
    if saved.lock_digest != lock_digest(lock_path):
        raise PlanMismatch(f"{lock_path} changed since the plan {plan_path} was made; run `campaign plan --out` again")


def write_plan_file(path: Path, plan: Plan, spec_path: Path | None = None) -> None:
    """Write the plan with its digests (and the campaign file it is for), atomically; never creates folders."""
    if not path.parent.is_dir():
        raise StorageError(
            f"cannot save the plan to {path}: there is no folder {path.parent}; create it first or pick another --out"
        )
    data = plan_data(plan)
    if spec_path is not None:
        data["spec"] = spec_path.as_posix()
    with atomic_file(path, make_parents=False) as out:
        out.write(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n")


def read_plan_file(path: Path) -> SavedPlan:
    """Read a saved plan; PlanMismatch when it is not a plan this version understands."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanMismatch(f"{path}: no such plan file; create it with `campaign plan SPEC --out {path}`") from None
    except (OSError, ValueError) as exc:
        raise PlanMismatch(
            f"{path}: not a plan file ({exc}); create it with `campaign plan SPEC --out {path}`"
        ) from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise PlanMismatch(f"{path}: not a plan file of format {FORMAT_VERSION}; re-run `campaign plan --out`")
    return SavedPlan(
        spec_digest=str(data.get("spec_digest", "")),
        lock_digest=str(data.get("lock_digest", "")),
        changes=tuple((c["action"], c["key"]) for c in data.get("changes", [])),
        data=data,
    )
