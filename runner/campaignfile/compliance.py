"""The compliance blocks of a campaign file: `policy`, `evidence` and `disclosure`, and the spoken disclosure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.campaignfile.checker import Checker, present
from runner.campaignfile.model import Disclosure, PolicySettings
from runner.campaignfile.templates import did_you_mean


def policy_settings(block: Mapping[str, Any]) -> PolicySettings:
    """The `policy:` block (already schema-checked) as a typed value."""
    return PolicySettings(tuple(block.get("packs") or ()), dict(block.get("levels") or {}))


def disclosure_settings(block: Mapping[str, Any] | None) -> Disclosure | None:
    """The `disclosure:` block (already schema-checked) as a typed value; None when the file has none."""
    if block is None:
        return None
    return Disclosure(
        block.get("label"), block.get("spoken"), block.get("position", "end"), tuple(block.get("jurisdictions") or ())
    )


def evidence_block(checker: Checker) -> dict[str, str]:
    """Evidence id -> its file (relative to the campaign file) or URL; a missing file is a problem."""
    found: dict[str, str] = {}
    for eid, entry in (checker.data.get("evidence") or {}).items():
        if "file" in entry:
            if not (checker.path.parent / entry["file"]).is_file():
                checker.problem(
                    f"evidence.{eid}.file", f"evidence file '{entry['file']}' not found beside the campaign file"
                )
            found[eid] = str(entry["file"])
        else:
            found[eid] = str(entry["url"])
    return found


def group_evidence(checker: Checker, where: str, group: Mapping[str, Any]) -> tuple[str, ...]:
    """The evidence ids a video group names; an id the `evidence:` block lacks is a problem."""
    known = checker.data.get("evidence") or {}
    usable = []
    for i, eid in present(group.get("evidence")):
        if eid in known:
            usable.append(eid)
        else:
            checker.problem(
                f"{where}.evidence[{i}]",
                f"'{eid}' is not an entry of `evidence:`" + did_you_mean(eid, known) + "; add it with a file or url",
            )
    return tuple(usable)


def with_disclosure(disclosure: Disclosure | None, script: str) -> str:
    """The script as the avatar speaks it: the disclosure's spoken text added at its position (unchanged without one)."""
    if disclosure is None or not disclosure.spoken:
        return script
    if disclosure.position == "start":
        return f"{disclosure.spoken} {script}"
    return f"{script} {disclosure.spoken}"
