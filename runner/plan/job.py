"""Jobs: immutable values keyed by a hash of what the provider is asked to make."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.execute.states import JobKind

KEY_PREFIX: dict[str, str] = {
    "avatar_video": "av",
    "upload": "up",
    "refresh_video": "rf",
    "heygen_video": "hg",
    "heygen_avatar": "ha",
}


def canonical_json(value: Any) -> str:
    """Serialize deterministically: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def job_key(kind: str, provider: str, request: Mapping[str, Any]) -> str:
    """Return `<prefix>-<16 hex>`: the sha256 of provider, kind and the request, not the name."""
    digest = hashlib.sha256(
        canonical_json({"kind": kind, "provider": provider, "request": request}).encode()
    ).hexdigest()
    return f"{KEY_PREFIX[kind]}-{digest[:16]}"


def name_tag(key: str) -> str:
    """The 10-hex tag that a provider-side video name carries so a lost create can be adopted."""
    return key.split("-", 1)[1][:10]


TAG_CHARS = 1 + 10  # `~` and the 10-hex tag
VISIBLE_NAME_CHARS = 50 - TAG_CHARS


def tagged_video_name(name: str, key: str, limit: int = 50) -> str:
    """The `video_name` sent on create: the user's name, cut to fit, then `~` and the key tag."""
    suffix = "~" + name_tag(key)
    return name[: limit - len(suffix)] + suffix


def visible_name(name: str, limit: int = 50) -> str:
    """The part of a video's name that people see before its `~tag`."""
    return name[: limit - TAG_CHARS]


@dataclass(frozen=True, slots=True)
class Job:
    """One thing to generate (or upload), exactly once.

    `request` is the provider request with every reference resolved: for avatar videos
    `{"avatar_id", "script"}`; for uploads `{"source": {"url": U}}` or
    `{"source": {"job": AVATAR_JOB_KEY}}`; for refresh `{"video": {"job": UPLOAD_JOB_KEY},
    "video_refresh_strategy_list": [...sorted], "add_hook": {...} | None}`; for HeyGen
    `{"avatar_id", "script", "voice_id", "aspect_ratio"}`. Job references inside a
    request are keys, so a changed upstream request changes every key downstream.
    """

    key: str
    kind: JobKind
    provider: str
    request: Mapping[str, Any]
    addresses: tuple[str, ...]
    name: str | None = None
    depends_on: tuple[str, ...] = ()
    expected_videos: int = 1
    # Avatar names not yet resolved to ids (offline plan): the key is provisional.
    unresolved: tuple[str, ...] = field(default=())
    # Facts of this checkout that do not make the job what it is (not in the key): a twin's footage file.
    local: Mapping[str, str] = field(default_factory=dict)

    @property
    def provisional(self) -> bool:
        """True while an avatar name is unresolved, so the key may change at apply."""
        return bool(self.unresolved)
