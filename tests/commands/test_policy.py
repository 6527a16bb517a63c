"""`campaign policy test`, and policy findings in `validate`, `plan` and `apply`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PACK = """\
pack: brand
rules:
  - {id: brand/no-cheap, level: mandatory, message: "we never say cheap", deny: ['cheap']}
  - {id: brand/terms, level: advisory, message: "say terms apply", when: ['% off'], require: ['terms apply']}
tests:
  pass: [{text: "Warm boots, 20% off, terms apply."}]
  fail: [{text: "Cheap boots", rule: brand/no-cheap}]
"""

CAMPAIGN = """\
version: 1
campaign: brand
avatars:
  isabelle: {id: "7295705233773068290"}
policy:
  packs: [brand.yaml]
scripts:
  hi: {text: "Hello. Our boots are never cheap."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [hi]
"""


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "CI")}
    return subprocess.run(
        [sys.executable, "-m", "runner", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, **(env or {})},
        timeout=120,
    )


def setup(tmp_path: Path, script: str = "Hello. Our boots are never cheap.") -> None:
    (tmp_path / "brand.yaml").write_text(PACK)
    (tmp_path / "c.yaml").write_text(CAMPAIGN.replace("Hello. Our boots are never cheap.", script))


def test_policy_test_runs_the_built_in_packs_and_a_team_pack(tmp_path: Path) -> None:
    setup(tmp_path)
    result = run("policy", "test", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["claims", "testimonials", "ai-disclosure"]
    team = run("policy", "test", "brand.yaml", cwd=tmp_path)
    assert team.returncode == 0 and team.stdout.startswith("brand: 2/2 tests passed")


def test_policy_test_fails_a_pack_whose_test_does_not_hold(tmp_path: Path) -> None:
    (tmp_path / "brand.yaml").write_text(PACK.replace("Cheap boots", "Fine boots"))
    result = run("policy", "test", "brand.yaml", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "brand.yaml:7: 'Fine boots': must be flagged by brand/no-cheap, no rule flagged it" in result.stderr


def test_validate_prints_each_finding_at_its_place_and_exits_1(tmp_path: Path) -> None:
    setup(tmp_path)
    result = run("validate", "c.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'c.yaml:8:42: at videos.promo[avatar=isabelle,script=hi]: [brand/no-cheap] we never say cheap ("cheap")'
    ]
    annotated = run("validate", "c.yaml", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert "::error file=c.yaml,line=8,col=42::at videos.promo" in annotated.stdout


def test_an_advisory_finding_warns_and_passes(tmp_path: Path) -> None:
    setup(tmp_path, "Hello. Boots at 20% off.")
    result = run("validate", "--format", "json", "c.yaml", cwd=tmp_path)
    assert result.returncode == 0
    policy = json.loads(result.stdout)["files"][0]["policy"]
    assert [(f["rule"], f["level"], f["line"]) for f in policy["findings"]] == [("brand/terms", "advisory", 8)]


def test_plan_carries_findings_in_json_and_markdown_and_exits_1(tmp_path: Path) -> None:
    setup(tmp_path)
    result = run("plan", "c.yaml", "--format", "json", "--detailed-exitcode", cwd=tmp_path)
    assert result.returncode == 1
    policy = json.loads(result.stdout)["policy"]
    assert policy["passed"] is False and policy["findings"][0]["rule"] == "brand/no-cheap"
    assert "c.yaml:8:42: at videos.promo" in result.stderr and "the policy checks failed" in result.stderr
    markdown = run("plan", "c.yaml", "--format", "markdown", cwd=tmp_path)
    assert "### Policy" in markdown.stdout and "`brand/no-cheap`" in markdown.stdout


def test_apply_refuses_before_any_request(tmp_path: Path) -> None:
    setup(tmp_path)
    result = run("apply", "c.yaml", "--sandbox", "--yes", "--accept-notices", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "[brand/no-cheap]" in result.stderr
    assert not (tmp_path / "c.sandbox.lock.yaml").exists()
    assert not list(tmp_path.rglob("*.json"))  # the sandbox was never started: no account state
