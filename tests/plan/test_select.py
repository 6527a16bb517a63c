"""Selectors: grammar, typed values, did-you-mean, and what --target/--exclude/--sample/--replace pick."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import cli
from runner.plan.select import Selection, SelectorError, parse_selector, same_value, typed_scalar

SPEC = """\
version: 1
campaign: sel
avatars:
  isabelle: {id: "7295705233773068290"}
  tom: {id: "7301881390801354754"}
scripts:
  teaser: {text: "{{ product }} for {{ price }}, size {{ n }}."}
videos:
  - id: promo
    avatars: [isabelle, tom]
    scripts: [teaser]
    matrix: {product: [Trail Boot, "City, Boot"], price: [19.90, 25], n: [1, "2"]}
refresh:
  - id: hooks
    source: {from: promo, where: {avatar: isabelle}}
    strategies: [ADD_HOOK]
    hook: {type: HOLIDAY, product_category: CLOTHING_AND_ACCESSORIES, holiday_themes: [BLACK_FRIDAY, CYBER_MONDAY]}
"""


def _plan(spec: Path, *args: str) -> tuple[int, dict[str, object], str]:
    result = CliRunner().invoke(
        cli, ["plan", str(spec), "--format", "json", "--lock", str(spec.with_suffix(".lock.yaml")), *args]
    )
    data = json.loads(result.stdout) if result.exit_code == 0 else {}
    return result.exit_code, data, str(result.exception or "")


def _addresses(data: dict[str, object]) -> list[str]:
    return [a for c in data["changes"] for a in c["addresses"]]  # type: ignore[attr-defined, index]


def test_parse_grammar_and_typed_values() -> None:
    sel = parse_selector('promo[product="Trail Boot",price=19.9, n=2,ok=true,q="a \\"b\\""]')
    assert sel.group == "promo"
    assert sel.pairs == (("product", "Trail Boot"), ("price", 19.9), ("n", 2), ("ok", True), ("q", 'a "b"'))
    assert parse_selector("promo").pairs == ()
    assert typed_scalar("yes") == "yes" and typed_scalar("0x1f") == 31 and typed_scalar("TRUE") is True
    assert not same_value(True, 1) and not same_value("2", 2) and not same_value(1, 1.0) and same_value(2, 2)
    for bad in ("promo[", "promo[a]", "promo[a=]", 'promo[a="x]', "[a=b]", "promo[a=b]x"):
        with pytest.raises(SelectorError):
            parse_selector(bad)


def test_target_is_and_inside_or_across_and_brings_dependencies(write_spec: Callable[[str], Path]) -> None:
    spec = write_spec(SPEC)
    code, data, _ = _plan(
        spec, "--target", 'promo[avatar=tom,product="City, Boot"]', "--target", 'promo[n="2",avatar=isabelle,price=25]'
    )
    assert code == 0
    addresses = _addresses(data)
    assert len(addresses) == 4 + 2
    assert all("product=City, Boot" in a for a in addresses if "avatar=tom" in a)
    assert data["selection"]["targets"]  # type: ignore[index]
    # a targeted refresh brings its upload and the avatar video it refreshes
    code, data, _ = _plan(spec, "--target", "hooks[holiday_theme=CYBER_MONDAY,product=Trail Boot,price=25,n=1]")
    kinds = sorted(c["kind"] for c in data["changes"])  # type: ignore[attr-defined, index]
    assert code == 0 and kinds == ["avatar_video", "refresh_video", "upload"]


def test_values_compare_as_typed_with_did_you_mean(write_spec: Callable[[str], Path]) -> None:
    spec = write_spec(SPEC)
    code, _, err = _plan(spec, "--target", "promo[n=1]")
    assert code == 0
    code, _, err = _plan(spec, "--target", "promo[n=2]")
    assert code == 1 and 'no n=2 in promo; did you mean "2" (a string)? 2 reads as a number' in err
    code, _, err = _plan(spec, "--target", "promoo")
    assert code == 1 and "did you mean 'promo'?" in err
    code, _, err = _plan(spec, "--exclude", "promo[prodcut=x]")
    assert code == 1 and "promo has no key 'prodcut'; did you mean 'product'?" in err
    code, _, err = _plan(spec, "--target", "promo[product=Trail Bot]")
    assert code == 1 and "did you mean" in err and "Trail Boot" in err
    assert "Traceback" not in err


def test_exclude_drops_dependents_and_sample_takes_first_cells(write_spec: Callable[[str], Path]) -> None:
    spec = write_spec(SPEC)
    code, data, _ = _plan(spec, "--exclude", "promo[avatar=isabelle]")
    assert code == 0 and not any("isabelle" in a for a in _addresses(data))
    assert not any(c["kind"] == "refresh_video" for c in data["changes"])  # type: ignore[attr-defined, index]
    code, data, _ = _plan(spec, "--sample", "2")
    videos = [a for a in _addresses(data) if a.startswith("videos.")]
    refreshes = [a for a in _addresses(data) if a.startswith("refresh.") and not a.endswith(".source")]
    # addresses spell values as typed: 19.90 keeps its text, the string "2" is quoted
    assert videos == [
        "videos.promo[avatar=isabelle,script=teaser,product=Trail Boot,price=19.90,n=1]",
        'videos.promo[avatar=isabelle,script=teaser,product=Trail Boot,price=19.90,n="2"]',
    ]
    assert len(refreshes) == 2 and all("product=Trail Boot,price=19.90,n=1" in a for a in refreshes)


def test_partial_plan_banner_and_forgets_left_alone(write_spec: Callable[[str], Path]) -> None:
    spec = write_spec(SPEC)
    result = CliRunner().invoke(cli, ["plan", str(spec), "--target", "promo[avatar=tom]", "--sample", "1"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Partial plan (--target promo[avatar=tom] --sample 1)")
    assert Selection(("a",)).partial and not Selection(replaces=("a",)).partial


def test_url_refresh_themes_select_and_keep_file_order() -> None:
    spec = Path(__file__).resolve().parents[2] / "campaigns" / "holiday-refresh.yaml"
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            str(spec),
            "--format",
            "json",
            "--lock",
            "/nonexistent-dir/x.lock.yaml",
            "--target",
            "holiday-hooks[holiday_theme=CYBER_MONDAY]",
            "--target",
            "holiday-hooks[holiday_theme=THANKSGIVING]",
        ],
    )
    assert result.exit_code == 0, result.output
    assert _addresses(json.loads(result.stdout)) == [
        "refresh.holiday-hooks.source",
        "refresh.holiday-hooks[holiday_theme=THANKSGIVING]",
        "refresh.holiday-hooks[holiday_theme=CYBER_MONDAY]",
    ]
