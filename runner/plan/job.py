"""Jobs: immutable values keyed by a hash of what the provider is asked to make."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from runner.plan.requests import Request
from runner.vocabulary import kinds


def canonical_json(value: Any) -> str:
    """Serialize deterministically: sorted keys, no whitespace, UTF-8 kept."""
    if _ONE_SHOT is None or isinstance(value, str):
        return _CANONICAL.encode(value)
    try:
        return "".join(_ONE_SHOT(value, 0))
    except BaseException:
        _MARKERS.clear()  # a failed encode leaves its containers marked: the next one must not see them
        raise


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# The C encoder `_CANONICAL.encode` builds on every call, built once with the same arguments: a plan hashes every
# job's request. `_MARKERS` finds circular references as `encode`'s own dict does, and is empty between calls.
_MARKERS: dict[int, Any] = {}
_ONE_SHOT = (
    c_make_encoder(_MARKERS, _CANONICAL.default, encode_basestring, None, ":", ",", True, False, True)
    if c_make_encoder is not None
    else None
)


def job_key(kind: str, provider: str, request: Mapping[str, Any]) -> str:
    """Return `<prefix>-<16 hex>`: the sha256 of provider, kind and the request, not the name."""
    digest = hashlib.sha256(
        canonical_json({"kind": kind, "provider": provider, "request": request}).encode()
    ).hexdigest()
    return f"{kinds.kind(kind).prefix}-{digest[:16]}"


@dataclass(frozen=True, slots=True)
class Job:
    """One thing to generate (or upload), exactly once.

    `payload` is the typed provider request with every reference resolved (runner/plan/requests.py);
    `request` is its canonical mapping, the one the key hashes: for avatar videos
    `{"avatar_id", "script"}`; for uploads `{"source": {"url": U}}` or
    `{"source": {"job": AVATAR_JOB_KEY}}`; for refresh `{"video": {"job": UPLOAD_JOB_KEY},
    "video_refresh_strategy_list": [...sorted], "add_hook": {...} | None}`; for HeyGen
    `{"avatar_id", "script", "voice_id", "aspect_ratio"}`. Job references inside a
    request are keys, so a changed upstream request changes every key downstream.
    """

    key: str
    kind: str  # a JobKind, or a kind registered from outside
    provider: str
    payload: Request
    addresses: tuple[str, ...]
    name: str | None = None
    depends_on: tuple[str, ...] = ()
    expected_videos: int = 1
    # Avatar names not yet resolved to ids (offline plan): the key is provisional.
    unresolved: tuple[str, ...] = field(default=())
    # Facts of this checkout that do not make the job what it is (not in the key): a twin's footage file,
    # who is asked for its consent (a list is one item a line). Never written to a plan or the lockfile.
    local: Mapping[str, str] = field(default_factory=dict)
    # Keys an older release gave this same job (its script rendered with the blank lines tags leave around it):
    # a record found under one of them is this job's, re-keyed at no cost (runner/plan/rekey.py).
    former_keys: tuple[str, ...] = ()

    @property
    def request(self) -> Mapping[str, Any]:
        """The canonical request: what the key hashes, what plans and lockfiles show."""
        return self.payload.canonical()

    def local_list(self, name: str) -> tuple[str, ...]:
        """A list kept in `local` (one item a line); empty when absent."""
        return tuple(item for item in self.local.get(name, "").split("\n") if item)

    @property
    def provisional(self) -> bool:
        """True while an avatar name is unresolved, so the key may change at apply."""
        return bool(self.unresolved)
