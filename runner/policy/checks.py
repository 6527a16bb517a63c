"""A pack's rules applied to one text: what each rule finds, before evidence and campaign context."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from runner.campaignfile.model import Disclosure
from runner.policy.pack import Rule, vocabulary


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


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
Found = tuple[str, int] | None  # matched words and where they start in the sentence
Facts = tuple[tuple[Found, Found, bool], ...]  # per rule: its `when` match, its claim match, `require` found


def text_hits(
    rules: Sequence[Rule], text: str, words: Sequence[str] | None = None, seen: dict[str, Facts] | None = None
) -> list[Hit]:
    """Every rule that flags `text`; `require_evidence` hits are kept (the cell's evidence may allow them).

    Patterns are matched sentence by sentence, each distinct sentence once (`seen` keeps them across texts,
    whose sentences templates share); `words` is the rules' vocabulary (`pack.vocabulary`).
    """
    words = vocabulary(rules) if words is None else words
    seen = {} if seen is None else seen
    sentences: list[tuple[int, Facts]] = []
    offset = 0
    for sentence in SENTENCE_END.split(text):
        facts = seen.get(sentence)
        if facts is None:
            facts = seen[sentence] = _sentence_facts(rules, sentence, words)
        start = text.find(sentence, offset)
        sentences.append((start, facts))
        offset = start + len(sentence)
    return [hit for i, rule in enumerate(rules) if (hit := _one(rule, i, text, sentences)) is not None]


def _sentence_facts(rules: Sequence[Rule], sentence: str, words: Sequence[str]) -> Facts:
    lowered = sentence.lower()
    present = {w for w in words if w in lowered}
    facts = []
    for rule in rules:
        when = rule.when.search(sentence, lowered, present) if rule.when is not None else None
        claim = None
        for pattern in (rule.deny, rule.require_evidence):
            if claim is None and pattern is not None:
                claim = pattern.search(sentence, lowered, present)
        required = rule.require is not None and rule.require.search(sentence, lowered, present) is not None
        facts.append((_found(when), _found(claim), required))
    return tuple(facts)


def _found(match: re.Match[str] | None) -> Found:
    return None if match is None else (match.group(0), match.start())


def _first(sentences: list[tuple[int, Facts]], index: int, which: int) -> Found:
    for start, facts in sentences:
        found = facts[index][which]
        if found is not None:
            assert isinstance(found, tuple)
            return found[0], start + found[1]
    return None


def _one(rule: Rule, index: int, text: str, sentences: list[tuple[int, Facts]]) -> Hit | None:
    trigger = _first(sentences, index, 0)
    if rule.when is not None and trigger is None:
        return None
    claim = _first(sentences, index, 1)
    if claim is not None:
        return Hit(rule, *claim)
    if rule.require is not None and not any(facts[index][2] for _, facts in sentences):
        return Hit(rule, *trigger) if trigger is not None else Hit(rule, "", -1, "required text is missing")
    if rule.max_chars is not None and len(text) > rule.max_chars:
        return Hit(rule, "", -1, f"{len(text)} characters, at most {rule.max_chars}")
    if rule.max_words is not None and (count := len(text.split())) > rule.max_words:
        return Hit(rule, "", -1, f"{count} words, at most {rule.max_words}")
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
