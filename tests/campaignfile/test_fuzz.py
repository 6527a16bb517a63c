"""Fuzz: no YAML document or template string makes validate or plan fail with a bug (exit 3).

Each run tries CAMPAIGN_FUZZ_EXAMPLES examples: 500 by default, 2,000 in CI (CI=true), about 10 s;
locally: `CAMPAIGN_FUZZ_EXAMPLES=2000 python -m pytest tests/campaignfile/test_fuzz.py`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.errors import CampaignError
from runner.plan.make import make_plan

EXAMPLES = int(os.environ.get("CAMPAIGN_FUZZ_EXAMPLES", "2000" if os.environ.get("CI") else "500"))

scalars = st.sampled_from(
    [
        "NO",
        "yes",
        "~",
        "null",
        "true",
        "1",
        "1.0",
        "19.90",
        "0x1F",
        "1_000",
        ".5",
        ".nan",
        "-.inf",
        '"2"',
        "''",
        "2026-01-01",
        "Trail Boot",
        "東京",
        "👢",
        '"a\\u0007b"',
        '"\\n"',
        "[]",
        "{}",
        "[1, 2]",
        "{a: 1}",
        "*a",
        "&a x",
        "<<",
        "!!str 3",
        "!!int x",
        "|",
        "'`<b>`'",
    ]
)
template_parts = st.sampled_from(
    [
        "{{ product }}",
        "{{ avatar }}",
        "{{ script }}",
        "{{ campaign }}",
        "{{ vars.brand }}",
        "{{ nope }}",
        "{{ x | nosuch }}",
        "{{ product | slug }}",
        "{{ 'a' * 10**9 }}",
        "{{ 2 ** (10 ** 9) }}",
        "{% for i in range(10**6) %}x{% endfor %}",
        "{% include 'x' %}",
        "{% extends 'y' %}",
        "{% import 'z' as m %}",
        "{{ ''.__class__ }}",
        "{{",
        "}}",
        "{% if %}",
        "{{ product.upper() }}",
        "{{ 1 / 0 }}",
        "{{ [1][5] }}",
        "{{ {}['k'] }}",
        "{{ product | int + 'a' }}",
        "{#",
        "%}",
        "👢",
        "\\u0007",
        "«»",
        "Hello",
        " ",
        "{{ '%9999999999s' % 1 }}",
        "{{ range(5) | list }}",
        "{{ loop }}",
    ]
)
templates = st.lists(template_parts, max_size=5).map("".join)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = [
        draw(st.sampled_from(["version: 1", 'version: "1"', "version: 2", ""])),
        draw(st.sampled_from(["campaign: fuzz", "campaign: Fuzz_", "campaign: 3", ""])),
    ]
    lines += ["vars:", f"  brand: {draw(scalars)}", "avatars:", '  a: {id: "1"}', f"  b: {{name: {draw(scalars)}}}"]
    lines += ["scripts:", f"  s: {{text: {_quoted(draw(templates))}}}", f"  t: {{text: {draw(scalars)}}}"]
    values = ", ".join(draw(st.lists(scalars, min_size=0, max_size=4)))
    lines += [
        "x-g: &g",
        "  avatars: [a]",
        "videos:",
        "  - <<: *g",
        f"    id: {draw(st.sampled_from(['g', 'h', '1', '']))}",
        f"    scripts: [{draw(st.sampled_from(['s', 't', 's, t', 'u', '']))}]",
        f"    matrix: {{product: [{values}]}}",
    ]
    if draw(st.booleans()):
        lines.append(f"    exclude: [{{product: {draw(scalars)}}}]")
    if draw(st.booleans()):
        lines.append(f"    include: [{{avatar: a, script: s, product: {draw(scalars)}}}]")
    if draw(st.booleans()):
        lines.append(f"    name: {_quoted(draw(templates))}")
    if draw(st.booleans()):
        lines += [
            "refresh:",
            "  - id: r",
            f"    source: {{from: g, where: {{product: {draw(scalars)}}}}}",
            f"    strategies: [{draw(st.sampled_from(['SWAP_MUSIC', 'ADD_HOOK', 'ADD_HOOK, ADD_HOOK', '']))}]",
            f"    name: {_quoted(draw(templates))}",
        ]
    if draw(st.booleans()):
        lines.append(
            f"limits: {{{draw(st.sampled_from(['jobs', 'cells_per_group', 'rendered_chars', 'yaml_nodes', 'x']))}: "
            f"{draw(st.sampled_from(['0', '1', '3', '-1', 'a', '100']))}}}"
        )
    kept = [line for line in lines if draw(st.integers(0, 30)) != 0]  # now and then drop a line
    return "\n".join(kept) + "\n"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(documents(), st.text(max_size=200)))
def test_validate_and_plan_never_fail_with_a_bug(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "fuzz.yaml"
        spec.write_text(text, encoding="utf-8")
        try:
            make_plan(spec)
        except CampaignError as exc:
            assert str(exc)  # a user error: one message, exit 1
