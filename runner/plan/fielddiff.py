"""What a job says, as named fields, and a word-level diff between the old and the new value of a field."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runner.vocabulary.kinds import known_kind
from runner.vocabulary.names import tagged_video_name

_ALIAS = re.compile(r"[\[,]avatar=([^,\]]+)")


def request_fields(
    kind: str, request: Mapping[str, Any] | None, addresses: Sequence[str], looks: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The fields a reviewer reads, in reading order: avatar, voice, aspect, hook, strategies, source, script.

    `looks`: each digital twin's look id as the lockfile knows it (twin job key -> look id).
    """
    if not request:
        return {}
    fields: dict[str, str] = {}
    if "avatar_id" in request:
        alias = _alias(addresses)
        twin = request["avatar_id"].get("job") if isinstance(request["avatar_id"], Mapping) else None
        avatar_id = str(request["avatar_id"])
        look = (looks or {}).get(str(twin))
        if twin is not None and look:
            shown = f"{alias or 'digital twin'} (digital twin {twin}, look {look})"
        elif twin is not None:
            shown = f"{alias or 'digital twin'} (digital twin {twin}; look id known after apply)"
        elif avatar_id.startswith("name:"):
            shown = f"{alias} (name {avatar_id[5:]!r}, id known after apply)" if alias else avatar_id
        else:
            shown = f"{alias} ({avatar_id})" if alias else avatar_id
        fields["avatar"] = shown
    for key, label in (("voice_id", "voice"), ("aspect_ratio", "aspect")):
        if request.get(key):
            fields[label] = str(request[key])
    if "video_refresh_strategy_list" in request:
        fields["strategies"] = ", ".join(map(str, request["video_refresh_strategy_list"]))
    hook = request.get("add_hook")
    if isinstance(hook, Mapping):
        for key in ("hook_type", "holiday_theme", "product_category", "product_description"):
            if hook.get(key):
                fields[key.replace("hook_type", "hook")] = str(hook[key])
    source = request.get("source") or request.get("video")
    if isinstance(source, Mapping):
        fields["source"] = str(source.get("url") or f"output of {source.get('job')}")
    footage = request.get("footage")
    if isinstance(footage, Mapping):
        fields["footage"] = str(footage.get("url") or f"file with sha256 {str(footage.get('sha256'))[:16]}…")
        if request.get("group"):
            fields["group"] = str(request["group"])
        fields["consent"] = "its subject must approve on HeyGen's consent page before any of its videos is made"
    if "script" in request:
        fields["script"] = str(request["script"])
    return fields


def _alias(addresses: Sequence[str]) -> str | None:
    """The avatar alias the first address naming one holds."""
    for address in addresses:
        found = _ALIAS.search(address)
        if found:
            return found.group(1)
    return None


def provider_name(kind: str, key: str, name: str | None, owner: str | None = None) -> str | None:
    """The video name as the provider will see it: tagged kinds carry their campaign's tag (a twin the older key tag)."""
    spec = known_kind(kind)
    if spec is not None and spec.tagged_name:  # a twin's name carries the tag too: its create is adopted by it
        return tagged_video_name(name or key, key, owner=None if spec.twin else owner)
    return name


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of words in a word diff: kept, removed (`-`) or added (`+`)."""

    op: str  # " ", "-", "+"
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """Words of `old` and `new`, aligned: what stayed, what went, what came (whitespace kept with each word)."""
    a, b = re.findall(r"\S+\s*", old), re.findall(r"\S+\s*", new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        a=[w.strip() for w in a], b=[w.strip() for w in b], autojunk=False
    ).get_opcodes():
        if tag == "equal":
            pieces.append(Piece(" ", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            pieces.append(Piece("-", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("+", "".join(b[j1:j2])))
    return pieces


def changed_fields(old: Mapping[str, str], new: Mapping[str, str]) -> list[tuple[str, str | None, str | None]]:
    """(field, old, new) for each field that differs, in the new fields' order then the dropped ones."""
    names = list(new) + [k for k in old if k not in new]
    return [(n, old.get(n), new.get(n)) for n in names if old.get(n) != new.get(n)]


def excerpts(old: str | None, new: str | None, width: int = 40) -> tuple[str, str]:
    """Both values quoted and cut to `width` at a word, starting a little before their first difference."""
    a, b = (" ".join(v.split()) if v is not None else None for v in (old, new))
    start = 0
    if a is not None and b is not None:
        same = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        start = a.rfind(" ", 0, same - 12) + 1 if same > width // 2 else 0

    def cut(value: str | None) -> str:
        if value is None:
            return "(none)"
        piece = value[start:]
        if len(piece) > width:
            piece = piece[: piece.rfind(" ", 0, width) if " " in piece[:width] else width].rstrip() + "…"
        return '"' + ("…" if start else "") + piece + '"'

    return cut(a), cut(b)
