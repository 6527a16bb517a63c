"""Plans as text (Terraform-like), JSON (versioned, stable) and Markdown (a PR comment), all from the plan's data."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from typing import Any

import click

from runner.approvals.status import approval_words
from runner.plan.budget import budget_lines, speaking_seconds
from runner.plan.fielddiff import changed_fields, excerpts, provider_name, request_fields, word_diff
from runner.plan.model import Action, Change, Plan, Resume
from runner.vocabulary.kinds import JobKind
from runner.wording import plural

FORMAT_VERSION = "1.0"
SYMBOLS = {"create": "+", "rename": "~", "replace": "-/+", "forget": "-", "no-op": " ", "blocked": "!"}
SHOWN = ("create", "replace", "rename", "forget", "blocked")
_COLORS = {
    "create": "green",
    "rename": "yellow",
    "replace": "magenta",
    "forget": "red",
    "no-op": "white",
    "blocked": "red",
}
WRAP = 72

__all__ = [
    "FORMAT_VERSION",
    "duration",
    "summary",
    "plan_data",
    "render_text",
    "render_text_data",
    "render_json",
]


def duration(seconds: float) -> str:
    """`~6m 40s` style durations."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def summary(data: Mapping[str, Any] | Plan) -> str:
    """The one-line summary: counts, quota cost, API calls, ETA."""
    if isinstance(data, Plan):
        data = plan_data(data)
    c = data["counts"]
    line = (
        f"Plan: {c.get('create', 0)} to create, {c.get('rename', 0)} to rename, "
        f"{c.get('replace', 0)} to replace, {c.get('forget', 0)} to forget, {c.get('no-op', 0)} unchanged."
    )
    if c.get("blocked"):
        line += f" {c['blocked']} blocked."
    awaiting = sum(1 for change in data["changes"] if (change.get("approval") or {}).get("awaits"))
    if awaiting:
        line += f" {awaiting} {'awaits' if awaiting == 1 else 'await'} approval."
    missing = len(data.get("missing_downloads") or ())
    downloads = (
        f" The videos of {plural(missing, 'job')} are not on disk: apply downloads them again (nothing is paid for)."
        if missing
        else ""
    )
    if not any(c.get(a, 0) for a in SHOWN if a != "blocked"):
        return line + (" Nothing to generate." + downloads if missing else " No changes.")
    est = data["estimate"]
    return (
        line
        + (
            f" {plural(est['videos'], 'video')} will be generated (quota),"
            f" ~{est['api_calls']} API calls, ETA ~{duration(est['eta_seconds'])}."
        )
        + downloads
    )


def twin_looks(plan: Plan) -> dict[str, str]:
    """Each digital twin's look id the lockfile records (twin job key -> look id): its videos render that look."""
    return {
        c.key: str(c.record.twin["look_id"])
        for c in plan.changes
        if c.record is not None and c.record.twin and c.record.twin.get("look_id")
    }


def _video_name(change: Change, kind: str, name: str | None, campaign: str) -> str | None:
    """The name the provider has (a kept record's) or will get (a create's or a rename's)."""
    record = change.record
    kept = change.action is Action.NOOP or change.resume in (Resume.SUBMITTED, Resume.PENDING)
    if change.job is None or (record is not None and record.video_name and kept):
        return record.video_name if record else None
    return provider_name(kind, change.key, name, campaign)


def plan_data(plan: Plan, *, unchanged: bool = True) -> dict[str, Any]:
    """The plan as plain data (the JSON format, documented in docs/plan-format.md); every renderer reads this.

    `unchanged=False` leaves no-op rows out of `changes` (all else stays whole): text and markdown list none.
    """
    changes = []
    looks = twin_looks(plan)
    for change in plan.changes:
        if not unchanged and change.action is Action.NOOP and change.approval is None:
            continue
        job, record = change.job, change.record
        kind = job.kind if job else (record.kind if record else "")
        addresses = list(job.addresses if job else (record.addresses if record else ()))
        name = job.name if job else (record.name if record else None)
        request = job.request if job else None  # built from the typed request on each read: read once
        previous = None
        if record is not None:
            previous = {
                "state": record.state,
                "name": record.name,
                "fields": request_fields(record.kind, record.request, record.addresses, looks),
                "video_ids": list(record.video_ids),
                "task_ids": list(record.task_ids),
            }
        changes.append(
            {
                "action": change.action.value,
                "key": change.key,
                "kind": kind or None,
                "provider": job.provider if job else (record.provider if record else None),
                "addresses": addresses,
                "name": name,
                "video_name": _video_name(change, kind, name, plan.campaign),
                "fields": request_fields(kind, request, addresses, looks) if job else {},
                "request": dict(request) if request is not None else None,
                "depends_on": list(job.depends_on) if job else [],
                "expected_videos": job.expected_videos if job else 0,
                "provisional": bool(job and job.provisional),
                "resume": change.resume,
                "replaces": change.replaces,
                "reason": change.reason,
                "previous_name": record.name if record else None,
                "previous": previous,
                **({"approval": change.approval.data()} if change.approval is not None else {}),
            }
        )
    est = plan.estimate
    return {
        "format_version": FORMAT_VERSION,
        "campaign": plan.campaign,
        "spec_digest": plan.spec_digest,
        "lock_digest": plan.lock_digest,
        "counts": dict(sorted(plan.counts.items())),
        "estimate": {"videos": est.videos, "api_calls": est.api_calls, "eta_seconds": est.eta_seconds},
        "selection": dict(plan.selection),
        "budget": dict(plan.budget),
        **({"missing_downloads": list(plan.missing_downloads)} if plan.missing_downloads else {}),
        "changes": changes,
        "warnings": list(plan.warnings),
    }


def selection_flags(selection: Mapping[str, Any]) -> list[str]:
    """A saved selection as the flags that made it."""
    flags = [f"--target {t}" for t in selection.get("targets", [])] + [
        f"--exclude {e}" for e in selection.get("excludes", [])
    ]
    flags += [f"--replace {r}" for r in selection.get("replaces", [])]
    if selection.get("sample") is not None:
        flags.append(f"--sample {selection['sample']}")
    return flags


def is_partial(selection: Mapping[str, Any]) -> bool:
    """True when the plan covers only part of the campaign."""
    return bool(selection.get("targets") or selection.get("excludes") or selection.get("sample") is not None)


def banner(selection: Mapping[str, Any]) -> str | None:
    """The "partial plan" banner, or None for a whole-campaign plan."""
    if not is_partial(selection):
        return None
    return (
        f"Partial plan ({' '.join(selection_flags(selection))}): only the selected jobs and their dependencies; "
        "the rest of the campaign, forgets included, is left as it is."
    )


def _wrapped(label: str, text: str, indent: str) -> list[str]:
    head = f"{indent}{label + ':':<12}"
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, WRAP, break_long_words=True, break_on_hyphens=False) or [""])
    return [(head if i == 0 else " " * len(head)) + line for i, line in enumerate(lines)]


def _word_line(old: str, new: str, color: bool) -> str:
    out = []
    for piece in word_diff(old, new):
        if piece.op == " ":
            out.append(piece.text)
        elif color:
            out.append(click.style(piece.text, fg="red" if piece.op == "-" else "green", strikethrough=piece.op == "-"))
        else:
            out.append(f"[-{piece.text.rstrip()}-] " if piece.op == "-" else f"{{+{piece.text.rstrip()}+}} ")
    return "".join(out).rstrip()


def change_lines(change: Mapping[str, Any], color: bool = False) -> list[str]:
    """The detail lines of one change in the text format."""
    indent = "      "
    lines: list[str] = [f"{indent}also at {a}" for a in change["addresses"][1:]]
    previous = change.get("previous") or {}
    action = change["action"]
    if action == "forget":
        lines.append(f"{indent}leaves the spec: dropped from the lockfile (providers cannot delete videos)")
        if previous.get("video_ids"):
            lines.append(f"{indent}video ids: {', '.join(previous['video_ids'])}")
        if previous.get("state") in ("submitted", "pending"):
            lines.append(
                f"{indent}STILL RENDERING (paid for): forgetting it loses its video; needs --allow-forget-inflight"
            )
        return lines
    lines.append(f"{indent}{'kind:':<12}{change['kind']}")
    if change.get("video_name"):
        lines.append(f"{indent}{'name:':<12}{change['video_name']}")
    diffs = []
    if action == "replace" and previous.get("fields"):
        diffs = changed_fields(previous["fields"], change["fields"])
    if action == "replace" and previous and previous.get("name") != change.get("name"):
        diffs.append(("name", previous.get("name"), change.get("name")))
    if action == "rename":
        diffs = [("name", previous.get("name"), change.get("name"))]
    shown_fields = {name for name, _, _ in diffs}
    for name, value in change["fields"].items():
        if name in shown_fields:
            continue
        if name == "script" or len(value) > WRAP:
            lines.extend(_wrapped(name, value, indent))
        else:
            lines.append(
                f"{indent}{name + ':':<12} {value}".replace(":  ", ": ", 1)
                if len(name) >= 11
                else f"{indent}{name + ':':<12}{value}"
            )
    for name, old, new in diffs:
        before, after = excerpts(old, new)
        lines.append(f"{indent[:-2]}~ {name}: {before} → {after}")
        if old is not None and new is not None:
            lines.extend(f"{indent}  {line}" for line in textwrap.wrap(_word_line(old, new, color), WRAP + 20))
    if action == "replace":
        if change.get("reason"):
            ids = ", ".join(previous.get("video_ids") or []) or "none"
            lines.append(f"{indent}re-rendered on request ({change['reason']}); old video ids: {ids}")
        elif change.get("replaces"):
            why = "" if diffs else " (the request changed)"
            lines.append(f"{indent}replaces {change['replaces']}{why}; the old video stays at the provider")
    lines.extend(_resume_lines(change, indent))
    if change.get("approval"):
        lines.append(f"{indent}{approval_words(change['approval'])}")
    return lines


def _resume_lines(change: Mapping[str, Any], indent: str) -> list[str]:
    lines = []
    if change.get("resume") == "submitted":
        lines.append(f"{indent}resumes submitted tasks (no new video is paid for)")
    elif change.get("resume") == "pending":
        lines.append(f"{indent}a create whose reply was lost: adopted if the provider has it, else created")
    elif change.get("resume") == "retry":
        lines.append(f"{indent}retry of a failed job" + (f": {change['reason']}" if change.get("reason") else ""))
    if change.get("action") == "blocked" or change.get("resume") == "unknown":
        lines.append(f"{indent}{change.get('reason')}")
    if change.get("provisional"):
        lines.append(f"{indent}provisional key: an avatar name (id known after apply)")
    if change.get("expected_videos", 0) > 1:
        lines.append(f"{indent}yields {change['expected_videos']} videos")
    return lines


def render_text_data(data: Mapping[str, Any], *, color: bool = False) -> str:
    """Terraform-like text: banner, one block per change in file order, budget, warnings, summary."""
    out: list[str] = []
    head = banner(data.get("selection") or {})
    if head:
        out.extend([click.style(head, bold=True) if color else head, ""])
    for change in data["changes"]:
        if change["action"] not in SHOWN:
            continue
        address = change["addresses"][0] if change["addresses"] else ""
        line = f"  {SYMBOLS[change['action']]:>3} {change['key']}  {address}"
        out.append(click.style(line, fg=_COLORS[change["action"]]) if color else line)
        out.extend(change_lines(change, color))
    for warning in data.get("warnings", []):
        out.append(("Warning: " if not color else click.style("Warning: ", fg="yellow")) + warning)
    out.extend(f"Note: {note}" for note in notes(data))
    if out:
        out.append("")
    out.extend(budget_lines(data.get("budget") or {}))
    out.append(summary(data))
    return "\n".join(out) + "\n"


def notes(data: Mapping[str, Any]) -> list[str]:
    """What a reviewer should know that is not a problem: refresh creates cannot be found again by name."""
    fresh = sum(
        1 for c in data["changes"] if c["action"] == "create" and c["kind"] == JobKind.REFRESH_VIDEO and not c["resume"]
    )
    if not fresh:
        return []
    return [
        f"{plural(fresh, 'refresh create')} {'carries' if fresh == 1 else 'carry'} no name, so apply cannot find "
        f"{'it' if fresh == 1 else 'them'} in "
        "the account: with a lockfile older than the account (a checkout taken before the last apply committed its "
        "lockfile) they are paid for again. Avatar videos are adopted by their tag; for several runners keep state "
        "in the PostgreSQL backend (docs/team.md)."
    ]


def render_text(plan: Plan, *, color: bool = False) -> str:
    """Terraform-like text for a plan."""
    return render_text_data(plan_data(plan, unchanged=False), color=color)


def render_json(plan: Plan) -> str:
    """Stable JSON: sorted keys, the same bytes for the same plan."""
    return json.dumps(plan_data(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def script_note(script: str) -> str:
    """`57 chars, ~4 s`: the size of a script at a glance."""
    return f"{len(script):,} chars, ~{speaking_seconds(script):g} s"
