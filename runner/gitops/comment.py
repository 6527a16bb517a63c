"""The pull-request comment for one campaign file's plan, and the labels it earns."""

from __future__ import annotations

from pathlib import Path

from runner.atomic import atomic_file
from runner.plan.model import Action, Plan

MARKER_PREFIX = "<!-- campaign-plan: "
LABEL_PREFIX = "campaign:"


def comment_marker(spec: str) -> str:
    """The hidden first line that finds this campaign file's sticky comment again."""
    return f"{MARKER_PREFIX}{spec} -->"


def comment_body(spec: str, markdown_plan: str) -> str:
    """The comment: the marker, then the markdown plan (already capped under GitHub's limit)."""
    return f"{comment_marker(spec)}\n{markdown_plan.rstrip()}\n"


def labels_for(plan: Plan) -> list[str]:
    """`campaign:no-changes`, or `campaign:changes` plus one label per kind of change present."""
    present = {change.action for change in plan.changes if change.action is not Action.NOOP}
    if not present:
        return [LABEL_PREFIX + "no-changes"]
    labels = [LABEL_PREFIX + "changes"]
    labels += [
        LABEL_PREFIX + action.value
        for action in (Action.CREATE, Action.RENAME, Action.REPLACE, Action.FORGET)
        if action in present
    ]
    return labels


def write_text(path: Path, text: str) -> None:
    """Write a review file atomically, creating its folder."""
    with atomic_file(path) as out:
        out.write(text)
