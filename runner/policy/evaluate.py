"""The policy checks of a campaign: its packs loaded, its levels applied, every spoken script checked once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from runner.campaignfile.model import Spec
from runner.errors import Problem, SpecError
from runner.plan.model import JobGraph, SpokenCell
from runner.policy.checks import Facts, Hit, allowed, applicable, disclosure_hits, text_hits
from runner.policy.findings import Finding, PolicyReport
from runner.policy.locate import script_location
from runner.policy.pack import Pack, PackError, Rule, load_pack, vocabulary


def policy_report(spec: Spec, graph: JobGraph) -> PolicyReport:
    """Check every video cell's spoken script against the campaign's packs (each distinct text once)."""
    if not spec.policy.packs:
        return PolicyReport()
    packs, problems = _packs(spec)
    rules, refused = _levelled(spec, [rule for pack in packs for rule in pack.rules])
    problems += refused
    jurisdictions = spec.disclosure.jurisdictions if spec.disclosure else ()
    active = applicable(rules, jurisdictions)
    text_rules = [r for r in active if not r.require_disclosure]
    words = vocabulary(text_rules)
    cache: dict[str, list[Hit]] = {}
    sentences: dict[str, Facts] = {}
    grouped: dict[tuple[str, str], tuple[Hit, list[str]]] = {}
    for cell in graph.spoken:
        hits = cache.get(cell.text)
        if hits is None:
            hits = cache[cell.text] = text_hits(text_rules, cell.text, words, sentences)
        for hit in _kept(hits, cell):
            _, cells = grouped.setdefault((hit.rule.id, cell.script), (hit, []))
            cells.append(cell.address)
    findings = [_finding(spec, script, hit, cells) for (_, script), (hit, cells) in grouped.items()]
    findings += [_campaign_finding(spec, hit) for hit in disclosure_hits(active, spec.disclosure)]
    findings.sort(key=lambda f: (f.file, f.line, f.column, f.rule))
    return PolicyReport(tuple(findings), tuple(problems), tuple(p.name for p in packs), len(cache))


def _kept(hits: list[Hit], cell: SpokenCell) -> Iterable[Hit]:
    return (hit for hit in hits if not allowed(hit, cell.evidence))


def _packs(spec: Spec) -> tuple[list[Pack], list[Problem]]:
    packs, problems = [], []
    for i, name in enumerate(spec.policy.packs):
        try:
            packs.append(load_pack(name, spec.path.parent))
        except PackError as exc:
            line, col = spec.locations.at(f"policy.packs[{i}]")
            problems.append(
                Problem(str(spec.path), line, col, f"policy.packs[{i}]", f"policy pack '{name}' is unusable:")
            )
            problems.extend(exc.problems)
    return packs, problems


def _levelled(spec: Spec, rules: list[Rule]) -> tuple[list[Rule], list[Problem]]:
    """The rules at the campaign's levels; an override of an unknown or locked rule is a problem."""
    by_id = {rule.id: rule for rule in rules}
    problems = []
    for rule_id, level in spec.policy.levels.items():
        where = f"policy.levels.{rule_id}"
        line, col = spec.locations.at(where)
        rule = by_id.get(rule_id)
        if rule is None:
            message = f"no pack of this campaign has a rule '{rule_id}'; rule ids are listed by `campaign policy test`"
            problems.append(Problem(str(spec.path), line, col, where, message))
        elif not rule.overridable and level != rule.level:
            message = f"rule '{rule_id}' is {rule.level} and its pack does not let a campaign change it (`overridable: false`)"
            problems.append(Problem(str(spec.path), line, col, where, message))
        else:
            by_id[rule_id] = replace(rule, level=level)
    return list(by_id.values()), problems


def _finding(spec: Spec, script_id: str, hit: Hit, cells: list[str]) -> Finding:
    file, line, col = script_location(spec, spec.scripts[script_id], hit.matched)
    rule = hit.rule
    return Finding(
        rule.id,
        rule.level,
        rule.message,
        rule.source,
        file,
        line,
        col,
        tuple(sorted(set(cells))),
        hit.matched,
        hit.detail,
    )


def _campaign_finding(spec: Spec, hit: Hit) -> Finding:
    where = "disclosure" if spec.disclosure is not None else "policy.packs"
    line, col = spec.locations.at(where)
    rule = hit.rule
    return Finding(rule.id, rule.level, rule.message, rule.source, str(spec.path), line, col, (where,), "", hit.detail)


def enforce(report: PolicyReport) -> None:
    """Refuse (exit 1) when a pack is unusable, an override refused, or a mandatory rule flags a script."""
    if report.blocking:
        raise SpecError([*report.problems, *(f.problem() for f in report.mandatory)])
