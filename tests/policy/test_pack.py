"""Loading packs: built-in ones by name, a team's by path, every problem located in the pack file."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.policy.pack import BUILTIN_PACKS, PackError, load_pack


@pytest.mark.parametrize("name", BUILTIN_PACKS)
def test_every_built_in_rule_cites_its_public_source(name: str) -> None:
    pack = load_pack(name, Path("."))
    assert pack.rules and pack.cases
    for rule in pack.rules:
        assert rule.source.strip(), f"{rule.id} has no source"
        assert rule.id.startswith(f"{name}/")


def test_a_schema_problem_names_the_pack_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "pack: p\nrules:\n  - id: p/a\n    level: sometimes\n    message: m\n    deny: [x]\n"
    )
    with pytest.raises(PackError) as caught:
        load_pack("p.yaml", tmp_path)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == (str(tmp_path / "p.yaml"), 4)
    assert "sometimes" in problem.message


def test_a_broken_regular_expression_is_a_located_problem(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "pack: p\nrules:\n  - {id: p/a, level: advisory, message: m, deny: ['(unclosed']}\n"
    )
    with pytest.raises(PackError) as caught:
        load_pack("p.yaml", tmp_path)
    assert caught.value.problems[0].line == 3
    assert "invalid regular expression" in caught.value.problems[0].message


def test_a_rule_makes_exactly_one_check(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("pack: p\nrules:\n  - {id: p/a, level: advisory, message: m}\n")
    with pytest.raises(PackError):
        load_pack("p.yaml", tmp_path)


def test_a_missing_pack_file_is_one_message(tmp_path: Path) -> None:
    with pytest.raises(PackError) as caught:
        load_pack("nope.yaml", tmp_path)
    assert "cannot read policy pack" in caught.value.problems[0].message
