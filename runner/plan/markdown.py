"""Plans as a GitHub PR comment: every user-written value escaped, scripts collapsible, under a size limit."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

from runner.approvals.status import approval_words
from runner.plan.budget import budget_lines
from runner.plan.fielddiff import changed_fields, word_diff
from runner.plan.render import SHOWN, SYMBOLS, banner, notes, script_note, summary

_MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_\[\]<>&|~!#:@]")  # markup, HTML, autolinks (`://`), mentions (`@`)


_INLINE_MARKUP = re.compile(r"[\\`*_\[\]|~]")
_NO_MENTION = "&#64;&#8288;"  # `@` then a word joiner: GitHub links @user and @org/team even in decoded text


def md(text: str) -> str:
    """Escape text for a markdown paragraph: no markup, no HTML, no autolinks, no mentions, one line."""
    flat = " ".join(str(text).split())
    return _MARKDOWN_PUNCTUATION.sub(lambda m: _NO_MENTION if m.group() == "@" else f"&#{ord(m.group())};", flat)


def h(text: str) -> str:
    """Escape text for a raw HTML block (where markdown is not parsed): one line, newlines as entities, no mentions."""
    escaped = html.escape(str(text), quote=True).replace("\r", "").replace("\n", "&#10;").replace("@", _NO_MENTION)
    return _INLINE_MARKUP.sub(lambda m: f"&#{ord(m.group())};", escaped)  # inert even if a block ends early


def _script_html(text: str) -> str:
    """A script as it is sent: its own line breaks as `<br>`, none added (the page wraps it, the text stays whole)."""
    return "<br>".join(h(line) for line in text.replace("\r", "").split("\n"))


def _diff_html(old: str | None, new: str | None) -> str:
    """Word-highlighted new value (`<del>`/`<ins>`), with the new value's own line breaks only."""
    if old is None or new is None:
        return f"<del>{h(old or '')}</del><ins>{h(new or '')}</ins>"
    out: list[str] = []
    for piece in word_diff(old, new):
        for word in re.findall(r"\S+\s*", piece.text):
            text = "<br>".join(h(part) for part in word.split("\n"))
            out.append(text if piece.op == " " else f"<del>{text}</del>" if piece.op == "-" else f"<ins>{text}</ins>")
    return "".join(out)


def entry(change: Mapping[str, Any], with_script: bool = True) -> tuple[str, bool]:
    """One change as a raw HTML block (no blank line inside); True when it has a script body to drop."""
    action = change["action"]
    addresses = change["addresses"] or [""]
    previous = change.get("previous") or {}
    head = f"<p><code>{h(SYMBOLS[action])}</code> <b>{h(addresses[0])}</b> <code>{h(change['key'])}</code>"
    facts: list[str] = []
    if len(addresses) > 1:
        facts.append("also at " + ", ".join(h(a) for a in addresses[1:]))
    if action == "forget":
        facts.append("leaves the spec: dropped from the lockfile (providers cannot delete videos)")
        if previous.get("state") in ("submitted", "pending"):
            facts.append("<b>still rendering (paid for)</b>: needs <code>--allow-forget-inflight</code>")
        return head + "<br>" + " · ".join(facts) + "</p>", False
    facts.append(h(change.get("kind") or ""))
    if change.get("video_name"):
        facts.append(f"name <code>{h(change['video_name'])}</code>")
    diffs = (
        changed_fields(previous.get("fields") or {}, change["fields"])
        if action == "replace" and previous.get("fields")
        else []
    )
    if action == "replace" and previous and previous.get("name") != change.get("name"):
        diffs.append(("name", previous.get("name"), change.get("name")))
    if action == "rename":
        diffs = [("name", previous.get("name"), change.get("name"))]
    diffed = {name for name, _, _ in diffs}
    facts.extend(
        f"{h(name)} {h(value)}" for name, value in change["fields"].items() if name != "script" and name not in diffed
    )
    if change.get("reason") and change.get("resume") != "retry":
        facts.append(
            f"re-rendered on request ({h(change['reason'])}); old video ids: {h(', '.join(previous.get('video_ids') or []) or 'none')}"
        )
    elif action == "replace" and change.get("replaces"):
        facts.append(f"replaces <code>{h(change['replaces'])}</code>; the old video stays at the provider")
    if change.get("expected_videos", 0) > 1:
        facts.append(f"yields {change['expected_videos']} videos")
    if change.get("resume") == "submitted":
        facts.append("resumes submitted tasks (nothing new is paid for)")
    elif change.get("resume") == "retry":
        facts.append("retry of a failed job" + (f": {h(change['reason'])}" if change.get("reason") else ""))
    if change.get("approval"):
        facts.append(f"<b>{h(approval_words(change['approval']))}</b>")
    lines = [head + "<br>" + " · ".join(facts) + "</p>"]
    lines.extend(f"<blockquote>~ {h(name)}: {_diff_html(old, new)}</blockquote>" for name, old, new in diffs)
    script = change["fields"].get("script")
    has_body = script is not None and "script" not in diffed
    if has_body and with_script:
        lines.append(
            f"<details><summary>script ({h(script_note(script))})</summary><blockquote>{_script_html(script)}</blockquote></details>"
        )
    return "\n".join(lines), has_body


def render_markdown_data(data: Mapping[str, Any], limit: int, *, full_plan: str | None = None) -> str:
    """The comment: header, banner, summary, budget, warnings, then the changes in file order, under `limit`."""
    name = str(data["campaign"])
    head = [f"### campaign `{name}`" if re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) else f"### campaign {md(name)}", ""]
    partial = banner(data.get("selection") or {})
    if partial:
        head += [f"> **{md(partial)}**", ""]
    head += [f"**{summary(data)}**", ""]  # our words and numbers only
    head += [md(line) + "  " for line in budget_lines(data.get("budget") or {})]
    head += [""] + [f"> :warning: {md(w)}" for w in data.get("warnings", [])]
    head += [f"> :information_source: {md(n)}" for n in notes(data)] + [""]
    changes = [c for c in data["changes"] if c["action"] in SHOWN]
    full = [entry(c) for c in changes]
    compact = [entry(c, with_script=False)[0] for c in changes]
    where = f"<code>{md(full_plan or 'campaign plan SPEC')}</code>"
    dropped, shown = 0, len(changes)

    def document() -> str:
        bodies = [compact[i] if i >= len(changes) - dropped and full[i][1] else full[i][0] for i in range(shown)]
        notes = []
        scripts_dropped = sum(1 for i in range(len(changes) - dropped, shown) if full[i][1])
        if scripts_dropped:
            notes.append(f"{scripts_dropped} script bodies left out")
        if shown < len(changes):
            notes.append(f"{len(changes) - shown} more changes not listed")
        tail = (
            [f"> :scissors: Plan truncated to fit a comment: {'; '.join(notes)}. Full plan: {where}."] if notes else []
        )
        return "\n".join(head + [b + "\n" for b in bodies] + tail) + "\n"

    def _fits(n_dropped: int, n_shown: int) -> bool:
        nonlocal dropped, shown
        dropped, shown = n_dropped, n_shown
        return len(document()) <= limit

    text = document()
    if len(text) <= limit:
        return text
    # Drop script bodies from the end first, then whole entries; each entry is a closed block, never cut inside.
    dropped = _smallest(0, len(changes), lambda n: _fits(n, shown))
    shown = len(changes) - _smallest(0, len(changes), lambda n: _fits(dropped, len(changes) - n))
    return document()


def _smallest(low: int, high: int, ok: Callable[[int], bool]) -> int:
    """The smallest n in [low, high] with ok(n), for a monotone ok (high when none is)."""
    while low < high:
        middle = (low + high) // 2
        if ok(middle):
            high = middle
        else:
            low = middle + 1
    return low
