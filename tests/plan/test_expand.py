from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runner.campaignfile.load import load_spec
from runner.campaignfile.templates import slug
from runner.errors import SpecError
from runner.plan.expand import build_graph, unresolved_avatars
from runner.vocabulary.names import visible_name

HEAD = """version: 1
campaign: t
avatars:
  a: {id: "1"}
  b: {id: "2"}
  n: {name: "Named One"}
scripts:
  s1: {text: "Hello {{ product }}."}
  s2: {text: "Same words."}
"""


def test_matrix_exclude_include(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(
        write_spec(
            HEAD
            + """videos:
  - id: g
    avatars: [a, b]
    scripts: [s1]
    matrix: {product: [X, Y]}
    exclude: [{avatar: b, product: Y}]
    include: [{avatar: b, script: s1, product: Z}]
"""
        )
    )
    graph = build_graph(spec)
    addresses = sorted(a for j in graph.jobs.values() for a in j.addresses)
    assert addresses == [
        "videos.g[avatar=a,script=s1,product=X]",
        "videos.g[avatar=a,script=s1,product=Y]",
        "videos.g[avatar=b,script=s1,product=X]",
        "videos.g[avatar=b,script=s1,product=Z]",
    ]


def test_identical_requests_collapse_into_one_job_with_a_name_warning(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(
        write_spec(
            HEAD
            + """videos:
  - id: one
    avatars: [a]
    scripts: [s2]
    name: "first"
  - id: two
    avatars: [a]
    scripts: [s2]
    name: "second"
"""
        )
    )
    graph = build_graph(spec)
    assert len(graph.jobs) == 1
    job = next(iter(graph.jobs.values()))
    assert job.addresses == ("videos.one[avatar=a,script=s2]", "videos.two[avatar=a,script=s2]")
    assert len(graph.warnings) == 1 and "'first'" in graph.warnings[0] and "'second'" in graph.warnings[0]


def test_key_is_the_request_not_the_name(write_spec: Callable[[str], Path]) -> None:
    base = HEAD + 'videos:\n  - id: g\n    avatars: [a]\n    scripts: [s2]\n    name: "NAME"\n'
    k1 = set(build_graph(load_spec(write_spec(base.replace("NAME", "x"), "1.yaml"))).jobs)
    k2 = set(build_graph(load_spec(write_spec(base.replace("NAME", "y"), "2.yaml"))).jobs)
    k3 = set(
        build_graph(
            load_spec(write_spec(base.replace("NAME", "x").replace("Same words.", "Other words."), "3.yaml"))
        ).jobs
    )
    assert k1 == k2 and k1 != k3


def test_refresh_chain_dependencies_and_themes(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(
        write_spec(
            HEAD
            + """videos:
  - id: g
    avatars: [a, b]
    scripts: [s2]
refresh:
  - id: r
    source: {from: g, where: {avatar: a}}
    strategies: [SWAP_MUSIC, ADD_HOOK]
    hook: {type: HOLIDAY, product_category: GAMES, holiday_themes: [HALLOWEEN, EASTER]}
  - id: rec
    source: {url: "https://x.example/v.mp4"}
    strategies: [ADD_HOOK]
    hook: {type: RECOMMENDED, product_category: GAMES}
"""
        )
    )
    graph = build_graph(spec)
    kinds = sorted(j.kind for j in graph.jobs.values())
    assert kinds.count("avatar_video") == 2 and kinds.count("upload") == 2 and kinds.count("refresh_video") == 3
    position = {key: i for i, key in enumerate(graph.order)}
    for job in graph.jobs.values():
        for dep in job.depends_on:
            assert position[dep] < position[job.key]
    themed = [
        j for j in graph.jobs.values() if j.kind == "refresh_video" and j.request["add_hook"]["hook_type"] == "HOLIDAY"
    ]
    assert sorted(j.request["add_hook"]["holiday_theme"] for j in themed) == ["EASTER", "HALLOWEEN"]
    assert all(j.request["video_refresh_strategy_list"] == ["ADD_HOOK", "SWAP_MUSIC"] for j in themed)
    recommended = [
        j
        for j in graph.jobs.values()
        if j.kind == "refresh_video" and j.request["add_hook"]["hook_type"] == "RECOMMENDED"
    ]
    assert recommended[0].expected_videos == 4


def test_unresolved_names_are_provisional_until_the_lockfile_resolves_them(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(write_spec(HEAD + "videos:\n  - id: g\n    avatars: [n]\n    scripts: [s2]\n"))
    assert unresolved_avatars(spec) == {"tiktok": {"Named One"}}
    job = next(iter(build_graph(spec).jobs.values()))
    assert job.provisional and job.request["avatar_id"] == "name:Named One"
    resolved = {"tiktok": {"Named One": "777"}}
    assert unresolved_avatars(spec, resolved) == {}
    job = next(iter(build_graph(spec, resolved).jobs.values()))
    assert not job.provisional and job.request["avatar_id"] == "777"


def test_render_problems_name_the_cell(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(write_spec(HEAD + "videos:\n  - id: g\n    avatars: [a]\n    scripts: [s1]\n"))
    with pytest.raises(SpecError) as info:
        build_graph(spec)
    assert "at scripts.s1.text: for videos[0], cell (avatar=a, script=s1): 'product' is undefined" in str(info.value)


def test_slug_keeps_letters_of_every_script() -> None:
    assert slug("東京 ブーツ!") == "東京-ブーツ"
    assert slug("Ботинки Север") == "ботинки-север"
    assert slug("नए जूते") == "नए-जूते"
    assert slug("Crème Brûlée  2") == "creme-brulee-2"
    assert slug("ガーデン") == "ガーデン"  # voiced kana survive the accent stripping of Latin letters


def test_default_names_are_short_slugged_and_distinct(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(
        write_spec(
            HEAD.replace("campaign: t", "campaign: winter-boots-campaign-2026")
            + """videos:
  - id: promo
    avatars: [a, b]
    scripts: [s1]
    matrix: {product: [Trail Boot Deluxe Waterproof Edition, 東京 ブーツ]}
"""
        )
    )
    names = sorted(str(job.name) for job in build_graph(spec).jobs.values())
    assert names == [
        "promo-a-s1-trail-boot-deluxe-waterproof-edition",
        "promo-a-s1-東京-ブーツ",
        "promo-b-s1-trail-boot-deluxe-waterproof-edition",
        "promo-b-s1-東京-ブーツ",
    ]
    assert len({visible_name(n) for n in names}) == 4


def test_names_that_look_the_same_after_cutting_are_warned(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(
        write_spec(
            HEAD
            + """videos:
  - id: g
    avatars: [a, b]
    scripts: [s1]
    matrix: {product: [X]}
    name: "winter-boots-2026-very-long-campaign-name-{{ avatar }}"
"""
        )
    )
    graph = build_graph(spec)
    assert graph.warnings == (
        "2 videos would show as 'winter-boots-2026-very-long-campaign-na' in TikTok "
        "(e.g. videos.g[avatar=a,script=s1,product=X]): names are cut to 39 characters before the ~tag; "
        "make them differ near the start",
    )


def test_every_problem_of_a_cell_is_reported(write_spec: Callable[[str], Path]) -> None:
    spec = load_spec(
        write_spec(
            HEAD.replace("Hello {{ product }}.", "Hello 👢 {{ product }}.")
            + """videos:
  - id: g
    avatars: [a]
    scripts: [s1]
    matrix: {product: [X]}
    name: "{{ product }}-<b>"
"""
        )
    )
    with pytest.raises(SpecError) as info:
        build_graph(spec)
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert (
        ":8:8: at scripts.s1.text: for videos[0], cell (avatar=a, script=s1, product=X): script contains emoji"
        in lines[0]
    )
    assert (
        ":15:5: at videos[0].name: for videos[0], cell (avatar=a, script=s1, product=X): name contains '<'" in lines[1]
    )
