"""A plan in any of its three formats: text, JSON and markdown (the PR comment)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from runner.plan.markdown import render_markdown_data
from runner.plan.model import Plan
from runner.plan.render import plan_data, render_text_data

MARKDOWN_LIMIT = 65_000


def render_data(data: Mapping[str, Any], fmt: str, *, color: bool = False, full_plan: str | None = None) -> str:
    """Render plan data (a fresh plan's or a saved one's) in one of the three formats."""
    if fmt == "json":
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return render_markdown_data(data, MARKDOWN_LIMIT, full_plan=full_plan)
    return render_text_data(data, color=color)


def render_plan(
    plan: Plan, fmt: Literal["text", "json", "markdown"], *, color: bool = False, full_plan: str | None = None
) -> str:
    """Render a plan in one of the three formats."""
    return render_data(plan_data(plan, unchanged=fmt == "json"), fmt, color=color, full_plan=full_plan)
