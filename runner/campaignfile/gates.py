"""The gates before money in a campaign file: `approval:` rules, the `rollout:` waves and the spend cap."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.campaignfile.checker import Checker, present
from runner.campaignfile.model import ApprovalRule, Rollout


def approval_rules(data: Mapping[str, Any]) -> dict[str, ApprovalRule]:
    """The top level's rule (under "") and each group's own, keyed by group id."""
    rules: dict[str, ApprovalRule] = {}
    if isinstance(data.get("approval"), dict):
        rules[""] = _rule(data["approval"])
    for section in ("videos", "refresh"):
        for _, group in present(data.get(section)):
            if isinstance(group.get("approval"), dict):
                rules[str(group["id"])] = _rule(group["approval"])
    return rules


def _rule(block: Mapping[str, Any]) -> ApprovalRule:
    return ApprovalRule(bool(block["required"]), tuple(block.get("roles") or ()))


def rollout_settings(checker: Checker, block: Mapping[str, Any] | None) -> Rollout | None:
    """The `rollout:` block as waves that grow (a final "100%" implied); a problem where they do not."""
    if not block or not isinstance(block.get("waves"), list) or None in block["waves"]:
        return None  # the schema refused it, and said why
    waves: list[int | float] = []
    for index, wave in enumerate(block["waves"]):
        share = _share(str(wave)) if isinstance(wave, str) else None
        if isinstance(wave, str) and share is None:
            checker.problem(f"rollout.waves[{index}]", f'{wave!r} is not a share; write one from "1%" to "100%"')
            return None
        waves.append(share if share is not None else int(wave))
    for kind in (int, float):
        sizes = [(i, w) for i, w in enumerate(waves) if isinstance(w, kind)]
        for (j, before), (i, after) in zip(sizes, sizes[1:], strict=False):
            if after <= before:
                checker.problem(
                    f"rollout.waves[{i}]",
                    f"wave {block['waves'][i]!r} is not larger than an earlier wave ({block['waves'][j]!r}); "
                    "waves say how much of each "
                    'group is made by their end, so they grow, e.g. [1, "25%", "100%"]',
                )
                return None
    if not (isinstance(waves[-1], float) and waves[-1] >= 1.0):
        waves.append(1.0)
    return Rollout(tuple(waves), float(block.get("max_failure_rate", 0.0)), bool(block.get("pause", False)))


def check_spend_cap(checker: Checker, budget: Mapping[str, Any]) -> None:
    """`budget.max_spend` needs `budget.prices` to count money in."""
    if "max_spend" in budget and not budget.get("prices"):
        checker.problem(
            "budget.max_spend",
            "max_spend needs prices to count money; add budget.prices.per_video (and per_second) or drop max_spend",
        )


def _share(text: str) -> float | None:
    """`"25%"` -> 0.25; None when it is not a share from 1 % to 100 %."""
    try:
        value = float(text.strip()[:-1]) if text.strip().endswith("%") else -1.0
    except ValueError:
        return None
    return value / 100 if 1 <= value <= 100 else None
