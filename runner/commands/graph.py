"""`campaign graph SPEC`: the job graph as Mermaid or dot."""

from __future__ import annotations

from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.options import format_option, lock_option, spec_argument
from runner.plan.expand import build_graph
from runner.plan.graph_export import to_dot, to_mermaid
from runner.state.store import state_store
from runner.workspace import Workspace


@click.command()
@spec_argument
@lock_option
@format_option("mermaid", "dot", default="mermaid")
def command(spec: Path, lock_path: Path | None, fmt: str) -> None:
    """Print the job graph (avatar video -> upload -> refresh)."""
    loaded = load_spec(spec)
    with state_store(Workspace(spec, lock_override=lock_path), loaded) as store:
        lock = store.read()
    graph = build_graph(loaded, lock.resolved_avatars)
    click.echo(to_dot(graph) if fmt == "dot" else to_mermaid(graph), nl=False)
