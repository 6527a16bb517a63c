"""A pack's own tests: the built-in packs' hold, a wrong expectation is reported with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.policy.pack import BUILTIN_PACKS, load_pack
from runner.policy.selftest import run_pack


@pytest.mark.parametrize("name", BUILTIN_PACKS)
def test_the_built_in_packs_pass_their_own_tests(name: str) -> None:
    results = run_pack(load_pack(name, Path(".")))
    assert results and [r.describe() for r in results if not r.passed] == []


def test_a_test_expecting_the_wrong_rule_fails_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "pack: p\n"
        "rules:\n"
        "  - {id: p/a, level: mandatory, message: m, deny: [alpha]}\n"
        "  - {id: p/b, level: advisory, message: m, deny: [beta]}\n"
        "tests:\n"
        "  pass:\n"
        "    - text: gamma\n"
        "    - text: beta here\n"
        "  fail:\n"
        "    - {text: alpha here, rule: p/b}\n"
    )
    failed = [r for r in run_pack(load_pack("p.yaml", tmp_path)) if not r.passed]
    assert [(r.case.line, r.failure) for r in failed] == [
        (8, "must pass, flagged by p/b"),
        (10, "must be flagged by p/b, flagged by p/a"),
    ]
