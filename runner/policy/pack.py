"""Policy packs: YAML files of rules over rendered scripts, with their own tests; built-in ones by name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from runner.campaignfile.model import SourceMap
from runner.campaignfile.yaml_source import load_yaml
from runner.errors import Problem
from runner.paths import package_json, package_text
from runner.policy.literals import Needs, pattern_needs, satisfied, telling_words

BUILTIN_PACKS = ("claims", "testimonials", "ai-disclosure")
LEVELS = ("mandatory", "advisory", "disabled")


class PackError(Exception):
    """A pack cannot be used; carries every located problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.render() for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Matcher:
    """Patterns compiled into one regular expression, with the words a match needs (checked first: much faster)."""

    regex: re.Pattern[str]
    needs: tuple[Needs, ...] | None  # the words a match contains (None: not known)
    words: frozenset[str] = frozenset()  # each pattern's most telling words: one of them is in every match

    def search(self, text: str, lowered: str, present: set[str]) -> re.Match[str] | None:
        """The first match in `text`; `present` holds which of the rules' `words` `lowered` (the text, lowercase) has."""
        if self.needs is not None and (self.words.isdisjoint(present) or not satisfied(self.needs, lowered)):
            return None
        return self.regex.search(text)


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its id, level and message, and the check it makes (compiled once per pack)."""

    id: str
    level: str
    message: str
    source: str
    overridable: bool
    applies_in: tuple[str, ...]
    when: Matcher | None
    deny: Matcher | None
    require: Matcher | None
    require_evidence: Matcher | None
    max_chars: int | None
    max_words: int | None
    require_disclosure: Mapping[str, bool] = field(default_factory=dict)


def vocabulary(rules: Iterable[Rule]) -> tuple[str, ...]:
    """Every word the rules' patterns need: looked for once per text."""
    words: set[str] = set()
    for rule in rules:
        for matcher in (rule.when, rule.deny, rule.require, rule.require_evidence):
            if matcher is not None:
                words |= matcher.words
    return tuple(sorted(words))


@dataclass(frozen=True, slots=True)
class Case:
    """One of a pack's tests: a text, and the rule that must flag it (None: no rule may)."""

    text: str
    rule: str | None
    evidence: tuple[str, ...]
    disclosure: Mapping[str, Any]
    line: int


@dataclass(frozen=True, slots=True)
class Pack:
    """A loaded pack."""

    name: str
    file: str
    rules: tuple[Rule, ...]
    cases: tuple[Case, ...]


def compile_patterns(patterns: list[str] | None) -> Matcher | None:
    """One case-insensitive, word-aware regular expression matching any of `patterns`: no match starts or ends inside a word."""
    if not patterns:
        return None
    body = "|".join(f"(?:{p})" for p in patterns)
    regex = re.compile(rf"(?:(?<!\w)|(?!\w))(?:{body})(?:(?!\w)|(?<!\w))", re.IGNORECASE)
    needs = pattern_needs(patterns)
    return Matcher(regex, needs, telling_words(needs) if needs is not None else frozenset())


def pack_location(name: str, base: Path) -> tuple[str, str]:
    """(display file, text) of a pack named by a built-in name or a path relative to `base`; OSError when unreadable."""
    if name in BUILTIN_PACKS:
        return f"<built-in pack {name}>", package_text("policy", "packs", f"{name}.yaml")
    path = base / name
    return str(path), path.read_text(encoding="utf-8")


def load_pack(name: str, base: Path) -> Pack:
    """Read, check and compile a pack; PackError names each problem's file and line."""
    try:
        file, text = pack_location(name, base)
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError([Problem(str(base / name), 1, 1, "", f"cannot read policy pack: {exc}")]) from None
    return _parsed_pack(file, text)


@cache
def _parsed_pack(file: str, text: str) -> Pack:
    data, marks, problems = load_yaml(text, file)
    where = SourceMap(marks)
    if not problems:
        validator = jsonschema.Draft202012Validator(package_json("schemas", "policy-pack.schema.json"))
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
            path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in error.absolute_path)
            path = path.replace(".[", "[")
            line, col = where.at(path)
            problems.append(Problem(file, line, col, path, f"{error.message} (see docs/policy.md for the pack format)"))
    if problems:
        raise PackError(problems)
    rules = []
    for i, raw in enumerate(data["rules"]):
        try:
            rules.append(_rule(raw))
        except re.error as exc:
            line, col = where.at(f"rules[{i}]")
            problems.append(Problem(file, line, col, f"rules[{i}]", f"invalid regular expression: {exc}"))
    ids = [r.id for r in rules]
    for i, rid in enumerate(ids):
        if rid in ids[:i]:
            line, col = where.at(f"rules[{i}].id")
            problems.append(Problem(file, line, col, f"rules[{i}].id", f"rule id '{rid}' is used twice in this pack"))
    if problems:
        raise PackError(problems)
    return Pack(data["pack"], file, tuple(rules), _cases(data.get("tests") or {}, where))


def _rule(raw: Mapping[str, Any]) -> Rule:
    return Rule(
        id=raw["id"],
        level=raw["level"],
        message=raw["message"],
        source=raw.get("source", ""),
        overridable=raw.get("overridable", True),
        applies_in=tuple(raw.get("applies_in") or ()),
        when=compile_patterns(raw.get("when")),
        deny=compile_patterns(raw.get("deny")),
        require=compile_patterns(raw.get("require")),
        require_evidence=compile_patterns(raw.get("require_evidence")),
        max_chars=raw.get("max_chars"),
        max_words=raw.get("max_words"),
        require_disclosure=dict(raw.get("require_disclosure") or {}),
    )


def _cases(tests: Mapping[str, Any], where: SourceMap) -> tuple[Case, ...]:
    cases = []
    for outcome in ("pass", "fail"):
        for i, raw in enumerate(tests.get(outcome) or ()):
            rule = raw.get("rule") if outcome == "fail" else None
            line = where.at(f"tests.{outcome}[{i}]")[0]
            cases.append(
                Case(
                    raw["text"],
                    rule or ("*" if outcome == "fail" else None),
                    tuple(raw.get("evidence") or ()),
                    raw.get("disclosure") or {},
                    line,
                )
            )
    return tuple(cases)
