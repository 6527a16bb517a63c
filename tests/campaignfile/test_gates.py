"""The gates in a campaign file: approval rules, rollout waves that grow, a spend cap with prices."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.campaignfile.load import load_spec, read_spec
from runner.campaignfile.model import ApprovalRule

BASE = """\
version: 1
campaign: gates
avatars:
  a: {id: "7295705233773068290"}
scripts:
  s: {text: "Hello."}
videos:
  - id: promo
    avatars: [a]
    scripts: [s]
"""


def _messages(tmp_path: Path, extra: str) -> list[str]:
    path = tmp_path / "gates.yaml"
    path.write_text(BASE + extra)
    return [p.render() for p in read_spec(path)[1]]


def test_rules_waves_and_cap_load(tmp_path: Path) -> None:
    path = tmp_path / "gates.yaml"
    path.write_text(
        BASE.replace("    scripts: [s]\n", "    scripts: [s]\n    approval: {required: true, roles: [legal]}\n")
        + 'approval: {required: false}\nrollout: {waves: [1, "25%"], max_failure_rate: 0.1}\n'
        + "budget: {max_spend: 10, prices: {per_video: 1}}\n"
    )
    spec = load_spec(path)
    assert spec.approvals == {"": ApprovalRule(False), "promo": ApprovalRule(True, ("legal",))}
    assert spec.rollout is not None and spec.rollout.waves == (1, 0.25, 1.0) and spec.rollout.max_failure_rate == 0.1
    assert spec.budget.max_spend == 10


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'rollout: {waves: ["50%", "25%"]}\n',
            "gates.yaml:11:26: at rollout.waves[1]: wave '25%' is not larger than an earlier wave ('50%')",
        ),
        ("rollout: {waves: [3, 2]}\n", "at rollout.waves[1]: wave 2 is not larger than an earlier wave (3)"),
        ('rollout: {waves: ["150%"]}\n', 'at rollout.waves[0]: \'150%\' is not a share; write one from "1%" to "100%"'),
        ("rollout: {waves: [1.5]}\n", "at rollout.waves[0]: expected an integer or a string, got a number"),
        ("budget: {max_spend: 5}\n", "at budget.max_spend: max_spend needs prices to count money"),
        ("approval: {roles: [legal]}\n", "gates.yaml:11:1: at approval: missing required key 'required'"),
    ],
)
def test_bad_gates_are_located(tmp_path: Path, extra: str, message: str) -> None:
    assert any(message in m for m in _messages(tmp_path, extra)), _messages(tmp_path, extra)
