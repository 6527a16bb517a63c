"""A pack's own tests: texts that must pass, and texts that must be flagged by a named rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runner.campaignfile.compliance import disclosure_settings
from runner.campaignfile.model import Disclosure
from runner.policy.checks import Hit, allowed, applicable, disclosure_hits, text_hits
from runner.policy.pack import Case, Pack


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One test of a pack, and what went wrong (empty when it held)."""

    pack: Pack
    case: Case
    failure: str = ""

    @property
    def passed(self) -> bool:
        """Whether the test held."""
        return not self.failure

    def describe(self) -> str:
        """`FILE:LINE: text -> why` for a failed test."""
        return f"{self.pack.file}:{self.case.line}: {self.case.text!r}: {self.failure}"


def flagged(pack: Pack, text: str, evidence: tuple[str, ...] = (), disclosure: Disclosure | None = None) -> list[Hit]:
    """What the pack's enabled rules flag in `text`; campaign-wide disclosure rules only with a `disclosure`."""
    jurisdictions = disclosure.jurisdictions if disclosure else ()
    rules = applicable(pack.rules, jurisdictions)
    hits = [h for h in text_hits([r for r in rules if not r.require_disclosure], text) if not allowed(h, evidence)]
    return hits + (disclosure_hits(rules, disclosure) if disclosure is not None else [])


def run_case(pack: Pack, case: Case) -> CaseResult:
    """Run one test of a pack."""
    disclosure = _disclosure(case.disclosure) if case.disclosure else None
    rules = sorted({hit.rule.id for hit in flagged(pack, case.text, case.evidence, disclosure)})
    if case.rule is None and rules:
        return CaseResult(pack, case, f"must pass, flagged by {', '.join(rules)}")
    if case.rule == "*" and not rules:
        return CaseResult(pack, case, "must be flagged, no rule flagged it")
    if case.rule not in (None, "*") and case.rule not in rules:
        found = f"flagged by {', '.join(rules)}" if rules else "no rule flagged it"
        return CaseResult(pack, case, f"must be flagged by {case.rule}, {found}")
    return CaseResult(pack, case)


def run_pack(pack: Pack) -> list[CaseResult]:
    """Run every test a pack carries."""
    return [run_case(pack, case) for case in pack.cases]


def _disclosure(block: Mapping[str, Any]) -> Disclosure:
    made = disclosure_settings(block)
    assert made is not None
    return made
