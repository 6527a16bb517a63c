"""A pack's rules applied to one text: what each rule finds, before evidence and campaign context."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from runner.campaignfile.model import Disclosure
from runner.policy.pack import Rule


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule flagging a text: the matched words and where they start (-1 when the rule flags an absence)."""

    rule: Rule
    matched: str
    start: int = -1
    detail: str = ""  # what a limit or an absence measured


def applicable(rules: Iterable[Rule], jurisdictions: Sequence[str]) -> list[Rule]:
    """The enabled rules for a campaign running in `jurisdictions` (a rule with `applies_in` only where it names one)."""
    return [r for r in rules if r.level != "disabled" and (not r.applies_in or _runs_in(r.applies_in, jurisdictions))]


def _runs_in(applies_in: Sequence[str], jurisdictions: Sequence[str]) -> bool:
    """`US` covers `US-NY`: a rule for a country applies in each of its regions."""
    return any(j == a or j.startswith(a + "-") for a in applies_in for j in jurisdictions)


def text_hits(rules: Iterable[Rule], text: str) -> list[Hit]:
    """Every rule that flags `text`; `require_evidence` hits are kept (the cell's evidence may allow them)."""
    hits = []
    for rule in rules:
        if rule.when is not None and rule.when.search(text) is None:
            continue
        hit = _one(rule, text)
        if hit is not None:
            hits.append(hit)
    return hits


def _one(rule: Rule, text: str) -> Hit | None:
    for pattern in (rule.deny, rule.require_evidence):
        if pattern is not None and (found := pattern.search(text)) is not None:
            return Hit(rule, found.group(0), found.start())
    if rule.require is not None and rule.require.search(text) is None:
        trigger = rule.when.search(text) if rule.when is not None else None
        if trigger is not None:
            return Hit(rule, trigger.group(0), trigger.start())
        return Hit(rule, "", -1, "required text is missing")
    if rule.max_chars is not None and len(text) > rule.max_chars:
        return Hit(rule, "", -1, f"{len(text)} characters, at most {rule.max_chars}")
    if rule.max_words is not None and (words := len(text.split())) > rule.max_words:
        return Hit(rule, "", -1, f"{words} words, at most {rule.max_words}")
    return None


def allowed(hit: Hit, evidence: Sequence[str]) -> bool:
    """Whether the cell's evidence allows a claim a `require_evidence` rule guards."""
    return hit.rule.require_evidence is not None and hit.rule.deny is None and bool(evidence)


def disclosure_hits(rules: Iterable[Rule], disclosure: Disclosure | None) -> list[Hit]:
    """Campaign-wide disclosure rules: what the `disclosure:` block lacks."""
    hits = []
    for rule in rules:
        wanted: Mapping[str, bool] = rule.require_disclosure
        if not wanted:
            continue
        missing = [
            what
            for what, present in (
                ("jurisdictions", bool(disclosure and disclosure.jurisdictions)),
                ("spoken", bool(disclosure and disclosure.spoken)),
                ("label", bool(disclosure and disclosure.label)),
            )
            if wanted.get(what) and not present
        ]
        if missing:
            hits.append(Hit(rule, "", -1, "set " + " and ".join(f"`disclosure.{m}`" for m in missing)))
    return hits
