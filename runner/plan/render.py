"""Plans as text (Terraform-like), JSON (versioned, stable) and Markdown (a PR comment)."""

from __future__ import annotations

import json
from typing import Any, Literal

from runner.plan.model import Action, Change, Plan

FORMAT_VERSION = "1.0"
MARKDOWN_LIMIT = 65_000
_COLORS = {Action.CREATE: "green", Action.RENAME: "yellow", Action.REPLACE: "magenta", Action.FORGET: "red", Action.NOOP: "white"}
_SHOWN = (Action.CREATE, Action.REPLACE, Action.RENAME, Action.FORGET)


def duration(seconds: float) -> str:
    """`~6m 40s` style durations."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def summary(plan: Plan) -> str:
    """The one-line summary: counts, quota cost, API calls, ETA."""
    c = plan.counts
    line = (
        f"Plan: {c.get('create', 0)} to create, {c.get('rename', 0)} to rename, "
        f"{c.get('replace', 0)} to replace, {c.get('forget', 0)} to forget, {c.get('no-op', 0)} unchanged."
    )
    if not plan.has_changes:
        return line + " No changes."
    est = plan.estimate
    return line + (
        f" {est.videos} video{'s' if est.videos != 1 else ''} will be generated (quota),"
        f" ~{est.api_calls} API calls, ETA ~{duration(est.eta_seconds)}."
    )


def _label(change: Change) -> str:
    job = change.job
    kind = job.kind if job else (change.record.kind if change.record else "")
    name = (job.name if job else change.record.name if change.record else None) or ""
    return f"{kind}  {name}".rstrip()


def _details(change: Change) -> list[str]:
    job = change.job
    lines: list[str] = []
    addresses = job.addresses if job else (change.record.addresses if change.record else ())
    lines.extend(f"    at {a}" for a in addresses)
    if change.action is Action.RENAME and change.record is not None and job is not None:
        lines.append(f"    name: {change.record.name!r} -> {job.name!r}")
    if change.action is Action.REPLACE:
        lines.append(f"    replaces {change.replaces} (the request changed; the old video stays at the provider)")
    if change.action is Action.FORGET:
        lines.append("    leaves the spec: dropped from the lockfile (providers cannot delete videos)")
    if change.resume == "submitted":
        lines.append("    resumes submitted tasks (no new video is paid for)")
    elif change.resume == "pending":
        lines.append("    a create whose reply was lost: adopted if the provider has it, else created")
    elif change.resume == "retry" and change.record is not None:
        reason = f": {change.record.error.message}" if change.record.error else ""
        lines.append(f"    retry of a failed job (attempt {change.record.attempts + 1}){reason}")
    if job is not None and job.provisional:
        lines.append(f"    avatar {', '.join(repr(n) for n in job.unresolved)}: (id known after apply)")
    if job is not None and job.expected_videos > 1:
        lines.append(f"    yields {job.expected_videos} videos")
    return lines


def render_text(plan: Plan, *, color: bool = False) -> str:
    """Terraform-like text: one block per change, then the summary line."""
    import click

    out: list[str] = []
    for change in plan.changes:
        if change.action not in _SHOWN:
            continue
        head = f"  {change.action.symbol:>3} {change.key}  {_label(change)}"
        out.append(click.style(head, fg=_COLORS[change.action]) if color else head)
        out.extend(_details(change))
    for warning in plan.warnings:
        out.append(("Warning: " if not color else click.style("Warning: ", fg="yellow")) + warning)
    if out:
        out.append("")
    out.append(summary(plan))
    return "\n".join(out) + "\n"


def plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as plain data (the JSON format, documented in docs/plan-format.md)."""
    changes = []
    for change in plan.changes:
        job = change.job
        record = change.record
        changes.append({
            "action": change.action.value,
            "key": change.key,
            "kind": job.kind if job else (record.kind if record else None),
            "provider": job.provider if job else (record.provider if record else None),
            "addresses": list(job.addresses if job else (record.addresses if record else ())),
            "name": job.name if job else (record.name if record else None),
            "request": dict(job.request) if job else None,
            "depends_on": list(job.depends_on) if job else [],
            "expected_videos": job.expected_videos if job else 0,
            "provisional": bool(job and job.provisional),
            "resume": change.resume,
            "replaces": change.replaces,
            "previous_name": record.name if record else None,
        })
    est = plan.estimate
    return {
        "format_version": FORMAT_VERSION,
        "campaign": plan.campaign,
        "spec_digest": plan.spec_digest,
        "lock_digest": plan.lock_digest,
        "counts": dict(sorted(plan.counts.items())),
        "estimate": {"videos": est.videos, "api_calls": est.api_calls, "eta_seconds": est.eta_seconds},
        "changes": changes,
        "warnings": list(plan.warnings),
    }


def render_json(plan: Plan) -> str:
    """Stable JSON: sorted keys, the same bytes for the same plan."""
    return json.dumps(plan_data(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def render_markdown(plan: Plan, limit: int = MARKDOWN_LIMIT) -> str:
    """A PR comment: summary first, then one collapsible block per action, capped under `limit`."""
    parts = [f"### campaign `{plan.campaign}`", "", f"**{summary(plan)}**", ""]
    for warning in plan.warnings:
        parts.append(f"> :warning: {warning}")
    if plan.warnings:
        parts.append("")
    text = "\n".join(parts)
    notice = "\n\n_Plan truncated to fit a comment: run `campaign plan` for the full list._\n"
    for action in _SHOWN:
        selected = [c for c in plan.changes if c.action is action]
        if not selected:
            continue
        block = [f"<details><summary>{action.symbol} {len(selected)} to {action.value}</summary>", "", "```diff"]
        footer = ["```", "", "</details>", ""]
        for change in selected:
            entry = "\n".join([f"{action.symbol} {change.key}  {_label(change)}", *_details(change)])
            if len(text) + len("\n".join(block)) + len(entry) + 200 + len(notice) > limit:
                block.append("... (truncated)")
                return text + "\n".join(block + footer) + notice
            block.append(entry)
        text += "\n".join(block + footer) + "\n"
    return text


def render_plan(plan: Plan, fmt: Literal["text", "json", "markdown"], *, color: bool = False) -> str:
    """Render a plan in one of the three formats."""
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=color)
