"""Where a finding points: the matched words in the script's template (inline text or template file)."""

from __future__ import annotations

from pathlib import Path

from runner.campaignfile.model import ScriptDef, Spec


def script_location(spec: Spec, script: ScriptDef, matched: str) -> tuple[str, int, int]:
    """(file, line, column) of `matched` in the script's template, else in the disclosure, else the template's start."""
    if script.origin == "inline":
        line, col = spec.locations.at(f"scripts.{script.id}.text")
        file, start = str(spec.path), (line, col)
        span = script.source.count("\n") + 2  # the text's lines, below its key when it is a block
        found = _find(_lines(spec.path), matched, line - 1, span)
    else:
        file, start = script.origin, (1, 1)
        found = _find(script.source.splitlines(), matched, 0, None)
    if found is not None:
        return (file, *found)
    return disclosure_location(spec, matched) or (file, *start)


def disclosure_location(spec: Spec, matched: str) -> tuple[str, int, int] | None:
    """Where the disclosure's spoken text is, when `matched` is part of it."""
    if matched and spec.disclosure and matched.lower() in (spec.disclosure.spoken or "").lower():
        return (str(spec.path), *spec.locations.at("disclosure.spoken"))
    return None


def _find(lines: list[str], matched: str, first: int, count: int | None) -> tuple[int, int] | None:
    if not matched:
        return None
    wanted = matched.lower()
    last = len(lines) if count is None else min(len(lines), first + count)
    for number in range(max(first, 0), last):
        column = lines[number].lower().find(wanted)
        if column >= 0:
            return number + 1, column + 1
    return None


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
