"""Hypothesis: planning is deterministic, and a fully succeeded lockfile plans all no-op."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from runner.campaignfile.load import load_spec
from runner.lock.records import JobRecord, Lockfile
from runner.plan.diff import diff
from runner.plan.expand import build_graph
from runner.plan.render import render_json

words = st.text(alphabet="abcdefghij ", min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def campaigns(draw: st.DrawFn) -> str:
    avatars = draw(st.integers(1, 3))
    scripts = draw(st.lists(words, min_size=1, max_size=3))
    values = draw(st.lists(words, min_size=1, max_size=4, unique=True))
    refresh = draw(st.booleans())
    lines = ["version: 1", "campaign: prop", "avatars:"]
    lines += [f'  a{i}: {{id: "{100 + i}"}}' for i in range(avatars)]
    lines.append("scripts:")
    lines += [f'  s{i}: {{text: "{text} {{{{ axis }}}}"}}' for i, text in enumerate(scripts)]
    lines += [
        "videos:",
        "  - id: g",
        f"    avatars: [{', '.join(f'a{i}' for i in range(avatars))}]",
        f"    scripts: [{', '.join(f's{i}' for i in range(len(scripts)))}]",
        f"    matrix: {{axis: [{', '.join(repr(v) for v in values)}]}}",
    ]
    if refresh:
        lines += ["refresh:", "  - id: r", "    source: {from: g, where: {avatar: a0}}", "    strategies: [SWAP_MUSIC]"]
    return "\n".join(lines) + "\n"


def _plan_json(text: str, lock: Lockfile) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        path.write_text(text)
        return render_json(diff(build_graph(load_spec(path)), lock))


@settings(max_examples=40, deadline=None)
@given(campaigns())
def test_planning_is_deterministic(text: str) -> None:
    empty = Lockfile(campaign="prop")
    assert _plan_json(text, empty) == _plan_json(text, empty)


@settings(max_examples=40, deadline=None)
@given(campaigns())
def test_fully_succeeded_lockfile_plans_all_noop(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        path.write_text(text)
        graph = build_graph(load_spec(path))
    lock = Lockfile(campaign="prop")
    for key, job in graph.jobs.items():
        lock = lock.with_job(
            key,
            JobRecord(
                kind=job.kind,
                provider=job.provider,
                state="succeeded",
                addresses=job.addresses,
                name=job.name,
                video_ids=("1",),
            ),
        )
    plan = diff(graph, lock)
    assert not plan.has_changes
    assert plan.counts["no-op"] == len(graph.jobs)
