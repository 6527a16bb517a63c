"""YAML 1.2 core scalars with their original text, merge keys, `x-*` keys, and alias bombs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runner.campaignfile.load import load_spec
from runner.campaignfile.yaml_source import load_yaml
from runner.errors import SpecError
from runner.plan.expand import build_graph

HEAD = """version: 1
campaign: t
avatars:
  a: {id: "1"}
scripts:
  s: {text: "Free shipping to {{ country }}, price {{ price }}."}
"""


def test_norway_stays_a_country_and_prices_keep_their_zeros(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(
        write_spec(
            HEAD
            + """videos:
  - id: g
    avatars: [a]
    scripts: [s]
    matrix: {country: [US, NO, DE, ON], price: [19.90]}
"""
        )
    )
    graph = build_graph(spec)
    scripts = sorted(job.request["script"] for job in graph.jobs.values())
    assert scripts == [f"Free shipping to {c}, price 19.90." for c in ("DE", "NO", "ON", "US")]
    assert not any(str(job.name).endswith(("False", "True")) for job in graph.jobs.values())
    assert sorted(str(job.name) for job in graph.jobs.values())[1] == "g-a-s-no-19-90"


@pytest.mark.parametrize(
    ("text", "kind", "shown"),
    [
        ("yes", str, "yes"),
        ("off", str, "off"),
        ("y", str, "y"),
        ("True", bool, "True"),
        ("false", bool, "False"),
        ("19.90", float, "19.90"),
        ("0x1F", int, "0x1F"),
        ("0o17", int, "0o17"),
        ("007", int, "007"),
        ("1_000", str, "1_000"),
        (".5", float, ".5"),
        ("1e3", float, "1e3"),
        ("2026-01-01", str, "2026-01-01"),
        ("12:30", str, "12:30"),
        ("'19.90'", str, "19.90"),
    ],
)
def test_scalars_follow_yaml_1_2_core(text: str, kind: type, shown: str) -> None:
    data, _, problems = load_yaml(f"v: {text}\n", "f.yaml")
    assert problems == []
    assert type(data["v"]) is kind or isinstance(data["v"], kind) and not isinstance(data["v"], bool) or kind is bool
    assert isinstance(data["v"], kind)
    assert str(data["v"]) == shown


def test_number_values_keep_their_value() -> None:
    data, _, _ = load_yaml("v: [0x1F, 19.90, .5, -.inf]\n", "f.yaml")
    assert data["v"][:3] == [31, 19.9, 0.5] and data["v"][3] == float("-inf")


def test_merge_keys_let_explicit_keys_override(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(
        write_spec(
            HEAD.replace("{{ country }}, price {{ price }}", "here")
            + """x-group: &g
  id: g
  avatars: [a]
  scripts: [s]
videos:
  - <<: *g
  - <<: *g
    id: h
"""
        )
    )
    assert [group.id for group in spec.videos] == ["g", "h"]
    assert spec.videos[1].avatars == ("a",)
    assert spec.locations.at("videos[1].id")[0] == 14
    assert spec.locations.at("videos[0].id")[0] == 8  # merged: where the anchor defines it


def test_duplicate_explicit_keys_are_still_refused(write_spec: Callable[[str], Path]) -> None:
    with pytest.raises(SpecError, match="duplicate key 'id'"):
        load_spec(
            write_spec(HEAD + "x-g: &g {avatars: [a], scripts: [s]}\nvideos:\n  - <<: *g\n    id: h\n    id: i\n")
        )


def test_alias_bomb_is_refused_without_building_it() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    data, _, problems = load_yaml("\n".join(lines) + "\n", "f.yaml")
    assert data is None
    assert "expands to more than 100,000 YAML values" in problems[0].message


def test_alias_limit_is_configurable() -> None:
    lines = ["limits: {yaml_nodes: 1000}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 3)]
    _, _, problems = load_yaml("\n".join(lines) + "\n", "f.yaml")
    assert "more than 1,000 YAML values" in problems[0].message
    _, _, problems = load_yaml("\n".join(lines[1:]) + "\n", "f.yaml")
    assert problems == []
