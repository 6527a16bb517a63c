"""The job graph as Mermaid or Graphviz dot."""

from __future__ import annotations

from runner.plan.model import JobGraph


def _label(graph: JobGraph, key: str) -> str:
    job = graph.jobs[key]
    text = job.name or job.addresses[0]
    return f"{job.kind}: {text}".replace('"', "'")


def to_mermaid(graph: JobGraph) -> str:
    """A Mermaid flowchart, dependencies pointing at their dependents."""
    lines = ["flowchart LR"]
    for key in graph.order:
        lines.append(f'  {key.replace("-", "_")}["{_label(graph, key)}"]')
    for key in graph.order:
        for dep in graph.jobs[key].depends_on:
            lines.append(f"  {dep.replace('-', '_')} --> {key.replace('-', '_')}")
    return "\n".join(lines) + "\n"


def to_dot(graph: JobGraph) -> str:
    """A Graphviz digraph."""
    lines = [f'digraph "{graph.campaign}" {{', "  rankdir=LR;"]
    for key in graph.order:
        lines.append(f'  "{key}" [label="{_label(graph, key)}"];')
    for key in graph.order:
        for dep in graph.jobs[key].depends_on:
            lines.append(f'  "{dep}" -> "{key}";')
    lines.append("}")
    return "\n".join(lines) + "\n"
