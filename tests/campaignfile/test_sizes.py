"""Runaway sizes are refused early, with limits a campaign can raise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runner.campaignfile.load import load_spec
from runner.campaignfile.templates import Renderer, RenderError
from runner.errors import SpecError
from runner.plan.expand import build_graph, checked_graph

HEAD = """version: 1
campaign: t
avatars:
  a: {id: "1"}
scripts:
  s: {text: "Hello {{ x }} {{ y }} {{ z }}."}
"""
THOUSAND = "[" + ", ".join(str(i) for i in range(1000)) + "]"


def test_a_billion_cells_is_refused_before_expanding(write_spec: Callable[[str], Path]) -> None:
    path = write_spec(
        HEAD
        + f"videos:\n  - id: g\n    avatars: [a]\n    scripts: [s]\n    matrix: {{x: {THOUSAND}, y: {THOUSAND}, z: {THOUSAND}}}\n"
    )
    with pytest.raises(SpecError) as info:
        checked_graph(path)
    assert str(info.value).endswith(
        "at videos[0].matrix: group 'g' has 1,000,000,000 cells; the limit is 100,000 "
        "(split the group, or raise `limits.cells_per_group`)"
    )
    assert len(info.value.problems) == 1


def test_limits_can_be_raised_and_lowered(write_spec: Callable[[str], Path]) -> None:
    group = "videos:\n  - id: g\n    avatars: [a]\n    scripts: [s]\n    matrix: {x: [1, 2, 3], y: [1, 2], z: [1]}\n"
    assert len(build_graph(load_spec(write_spec(HEAD + group))).jobs) == 6
    with pytest.raises(SpecError, match="has 6 cells; the limit is 5"):
        load_spec(write_spec(HEAD + "limits: {cells_per_group: 5}\n" + group))
    with pytest.raises(SpecError, match="expands to up to 6 jobs; the limit is 4"):
        load_spec(write_spec(HEAD + "limits: {jobs: 4}\n" + group))


def test_refresh_jobs_count_towards_the_job_limit(write_spec: Callable[[str], Path]) -> None:
    text = (
        HEAD
        + "limits: {jobs: 8}\nvideos:\n  - id: g\n    avatars: [a]\n    scripts: [s]\n    matrix: {x: [1, 2, 3], y: [1], z: [1]}\n"
    )
    text += "refresh:\n  - id: r\n    source: {from: g}\n    strategies: [SWAP_MUSIC]\n"
    with pytest.raises(SpecError, match="up to 9 jobs; the limit is 8"):  # 3 videos + 3 uploads + 3 refreshes
        load_spec(write_spec(text))
    assert len(build_graph(load_spec(write_spec(text.replace("jobs: 8", "jobs: 9")))).jobs) == 9


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a' * 10**10 }}",
        "{{ [1] * 10**10 }}",
        "{{ 2 ** (10 ** 10) }}",
        "{{ (10 ** 50000) * (10 ** 50000) }}",
        "{{ 'a' | center(10**10) }}",
        "{{ 'a'.ljust(10**10) }}",
        "{{ '%10000000000s' % 'a' }}",
        "{{ '{:>10000000000}'.format('a') }}",
        "{{ ('a' * 1000).replace('a', 'a' * 1000) }}",
        "{% for i in range(100000) %}{% for j in range(100000) %}xx{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    ],
)
def test_huge_renders_are_refused_before_they_are_built(source: str) -> None:
    with pytest.raises(RenderError, match="the template would build .*(100,000|bits)"):
        Renderer().render(source, {})


def test_rendered_length_limit_is_configurable(write_spec: Callable[[str], Path]) -> None:
    text = (
        HEAD.replace("Hello {{ x }} {{ y }} {{ z }}.", "{{ 'ab' * 30 }}")
        + "limits: {rendered_chars: 50}\nvideos:\n  - id: g\n    avatars: [a]\n    scripts: [s]\n"
    )
    with pytest.raises(SpecError, match="a value of 60 characters; the limit is 50"):
        checked_graph(write_spec(text))
