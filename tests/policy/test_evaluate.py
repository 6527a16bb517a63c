"""A campaign's policy: a team pack's rules at the campaign's levels, findings located in the templates."""

from __future__ import annotations

from pathlib import Path

from runner.plan.expand import checked_graph
from runner.policy.evaluate import policy_report
from runner.policy.findings import PolicyReport

TEAM_PACK = """\
pack: brand
rules:
  - id: brand/no-cheap
    level: mandatory
    message: "we never say cheap"
    deny: ['cheap(?:est)?']
  - id: brand/terms
    level: advisory
    message: "an offer says terms apply"
    when: ['\\d+\\s*%\\s+off']
    require: ['terms\\s+apply']
  - id: brand/lab-tested
    level: mandatory
    message: "lab claims need the lab report"
    overridable: false
    require_evidence: ['lab[- ]tested']
tests:
  pass: [{text: "Warm boots. 20% off, terms apply."}]
  fail: [{text: "The cheapest boots", rule: brand/no-cheap}]
"""

CAMPAIGN = """\
version: 1
campaign: team
vars: {brand: Northwind}
avatars:
  isabelle: {id: "7295705233773068290"}
  tom: {id: "7295705233773068291"}
policy:
  packs: [policies/brand.yaml]
  levels: {{levels}}
evidence:
  lab-2025: {file: evidence/lab.pdf}
scripts:
  offer: {text: "{{ brand }}: 30% off the {{ product }}."}
  story: {template: story.j2}
videos:
  - id: promo
    avatars: [isabelle, tom]
    scripts: [offer, story]
    matrix: {product: [Trail Boot, City Boot]}
  - id: lab
    avatars: [isabelle]
    scripts: [story]
    evidence: [lab-2025]
"""

STORY = "Hello from {{ brand }}.\nOur boots are lab-tested\nand never cheap.\n"


def report(tmp_path: Path, levels: str = "{}", story: str = STORY) -> PolicyReport:
    (tmp_path / "policies").mkdir(exist_ok=True)
    (tmp_path / "policies" / "brand.yaml").write_text(TEAM_PACK)
    (tmp_path / "evidence").mkdir(exist_ok=True)
    (tmp_path / "evidence" / "lab.pdf").write_bytes(b"%PDF")
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "story.j2").write_text(story)
    (tmp_path / "team.yaml").write_text(CAMPAIGN.replace("{{levels}}", levels))
    spec, graph = checked_graph(tmp_path / "team.yaml")
    return policy_report(spec, graph)


def test_findings_point_at_the_matched_words_in_each_template(tmp_path: Path) -> None:
    found = {f.rule: f for f in report(tmp_path).findings}
    story = str((tmp_path / "templates" / "story.j2").resolve())
    assert (found["brand/no-cheap"].file, found["brand/no-cheap"].line, found["brand/no-cheap"].column) == (
        story,
        3,
        11,
    )
    assert (found["brand/lab-tested"].line, found["brand/lab-tested"].column) == (2, 15)
    assert (found["brand/terms"].file, found["brand/terms"].line, found["brand/terms"].column) == (
        str(tmp_path / "team.yaml"),
        13,
        31,
    )
    assert found["brand/terms"].matched == "30% off" and found["brand/terms"].level == "advisory"


def test_one_finding_per_rule_and_template_lists_every_cell(tmp_path: Path) -> None:
    cheap = next(f for f in report(tmp_path).findings if f.rule == "brand/no-cheap")
    assert len(cheap.cells) == 5  # four promo cells of the story, and the lab group's cell
    assert cheap.render().startswith(
        f"{cheap.file}:3:11: at videos.lab[avatar=isabelle,script=story] and 4 more: [brand/no-cheap] we never say cheap"
    )
    assert cheap.render().endswith('("cheap")')


def test_evidence_named_by_a_group_allows_the_claim_there_only(tmp_path: Path) -> None:
    lab = next(f for f in report(tmp_path).findings if f.rule == "brand/lab-tested")
    assert all(cell.startswith("videos.promo[") for cell in lab.cells) and len(lab.cells) == 4


def test_a_campaign_lowers_an_overridable_rule_and_cannot_touch_a_locked_one(tmp_path: Path) -> None:
    lowered = report(tmp_path, levels="{brand/no-cheap: advisory, brand/terms: disabled}")
    levels = {f.rule: f.level for f in lowered.findings}
    assert levels == {"brand/no-cheap": "advisory", "brand/lab-tested": "mandatory"}
    refused = report(tmp_path, levels="{brand/lab-tested: advisory}")
    assert [p.path for p in refused.problems] == ["policy.levels.brand/lab-tested"]
    assert "overridable: false" in refused.problems[0].message and refused.blocking


def test_an_override_of_an_unknown_rule_is_a_problem(tmp_path: Path) -> None:
    assert (
        "no pack of this campaign has a rule 'brand/typo'"
        in report(tmp_path, levels="{brand/typo: advisory}").problems[0].message
    )


def test_a_clean_campaign_passes(tmp_path: Path) -> None:
    clean = report(tmp_path, story="Hello from {{ brand }}.\nWarm boots, terms apply.\n")
    assert [f.rule for f in clean.findings] == ["brand/terms"] and not clean.blocking
