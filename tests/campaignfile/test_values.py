"""Values compare by type and value as the YAML reads them; messages show types when they differ."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runner.campaignfile.load import load_spec
from runner.campaignfile.values import same_value, scalar_from_text, value_mismatch
from runner.campaignfile.yaml_source import load_yaml
from runner.errors import SpecError
from runner.plan.expand import build_graph


def _values(text: str) -> list[object]:
    data, _, _ = load_yaml(f"v: [{text}]\n", "f.yaml")
    return list(data["v"])


def test_true_one_and_one_point_zero_differ() -> None:
    true, one, one_float, one_string = _values('true, 1, 1.0, "1"')
    assert not same_value(true, one) and not same_value(one, one_float) and not same_value(one, one_string)
    assert same_value(one, _values("1")[0]) and same_value(_values("19.90")[0], _values("19.9")[0])


def test_typed_in_text_reads_like_yaml() -> None:
    assert scalar_from_text("true") is True
    assert same_value(scalar_from_text("2"), 2) and str(scalar_from_text("19.90")) == "19.90"
    assert scalar_from_text("NO") == "NO" and scalar_from_text("City Boot") == "City Boot"


def test_mismatch_messages_show_types() -> None:
    assert value_mismatch("2", "n", "in this group", [1, 2]) == (
        "\"2\" (a string) is not a value of 'n' in this group; did you mean 2 (a number)?"
    )
    assert (
        value_mismatch(True, "price", "here", [1, 1.5])
        == "true (a boolean) is not a value of 'price' here; its values are decimal numbers and numbers"
    )
    assert (
        value_mismatch("Bot", "product", "here", ["Boot"])
        == '"Bot" is not a value of \'product\' here; did you mean "Boot"?'
    )


SPEC = """version: 1
campaign: t
avatars:
  a: {id: "1"}
scripts:
  s: {text: "Price {{ price }}."}
videos:
  - id: g
    avatars: [a]
    scripts: [s]
    matrix: {price: [true, 1, 1.0, "1"]}
    exclude: [EXCLUDE]
refresh:
  - id: r
    source: {from: g, where: {price: WHERE}}
    strategies: [SWAP_MUSIC]
"""


@pytest.mark.parametrize(
    ("excluded", "gone"),
    [("{price: true}", "true"), ("{price: 1}", "1"), ("{price: 1.0}", "1.0"), ('{price: "1"}', '"1"')],
)
def test_exclude_removes_only_the_same_typed_value(write_spec: Callable[[str], Path], excluded: str, gone: str) -> None:
    graph = build_graph(
        load_spec(write_spec(SPEC.replace("EXCLUDE", excluded).replace("WHERE", "true").split("refresh:")[0]))
    )
    addresses = sorted(a for job in graph.jobs.values() for a in job.addresses)
    everything = {f"videos.g[avatar=a,script=s,price={v}]" for v in ("true", "1", "1.0", '"1"')}
    assert set(addresses) == everything - {f"videos.g[avatar=a,script=s,price={gone}]"}


def test_where_matches_only_the_same_typed_value(write_spec: Callable[[str], Path]) -> None:
    graph = build_graph(load_spec(write_spec(SPEC.replace("    exclude: [EXCLUDE]\n", "").replace("WHERE", "1.0"))))
    sources = [a for job in graph.jobs.values() if job.kind == "refresh_video" for a in job.addresses]
    assert sources == ["refresh.r[avatar=a,script=s,price=1.0]"]


def test_string_two_against_number_axis_says_types(write_spec: Callable[[str], Path]) -> None:
    text = SPEC.replace('[true, 1, 1.0, "1"]', "[1, 2]").replace("EXCLUDE", '{price: "2"}').replace("WHERE", "1")
    with pytest.raises(SpecError) as info:
        load_spec(write_spec(text))
    assert "\"2\" (a string) is not a value of 'price' in this group; did you mean 2 (a number)?" in str(info.value)
