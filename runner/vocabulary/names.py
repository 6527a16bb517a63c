"""How a provider-side name carries its job's key (`name~0123456789`), so a create whose reply was lost is found again.

Renders go one step further: each attempt has its own idempotency key (`<job key>:<attempt>` from the
second attempt on) and its title says which attempt made it (`name~0123456789:2`).
"""

from __future__ import annotations

import re

TAG_MARK = "~"  # every tagged name carries it: a title filter on it finds every tagged render
TAG_CHARS = 1 + 10  # `~` and the 10-hex tag
NAME_MAX_CHARS = 50  # TikTok's video_name limit, the tag included
VISIBLE_NAME_CHARS = NAME_MAX_CHARS - TAG_CHARS
ATTEMPT_MARK = ":"  # one of the idempotency key characters HeyGen documents (`[A-Za-z0-9_:.-]`)
_TAGGED_TITLE = re.compile(r"~([0-9a-f]{10})(?::([1-9][0-9]*))?$")


def name_tag(key: str) -> str:
    """The 10-hex tag that a provider-side video name carries so a lost create can be adopted."""
    return key.split("-", 1)[1][:10]


def tagged_video_name(name: str, key: str, limit: int = NAME_MAX_CHARS) -> str:
    """The `video_name` sent on create: the user's name, cut to fit, then `~` and the key tag."""
    suffix = TAG_MARK + name_tag(key)
    return name[: limit - len(suffix)] + suffix


def visible_name(name: str, limit: int = NAME_MAX_CHARS) -> str:
    """The part of a video's name that people see before its `~tag`."""
    return name[: limit - TAG_CHARS]


def attempt_key(key: str, attempt: int) -> str:
    """The idempotency key of a job's attempt: the job key for the first, `<key>:<attempt>` for each later one."""
    return key if attempt <= 1 else f"{key}{ATTEMPT_MARK}{attempt}"


def attempt_of_key(idempotency_key: str | None) -> int:
    """The attempt an idempotency key was made for (a missing key is the first attempt's: the job key)."""
    if idempotency_key is None or ATTEMPT_MARK not in idempotency_key:
        return 1
    return int(idempotency_key.rsplit(ATTEMPT_MARK, 1)[1])


def render_title(name: str, key: str, attempt: int) -> str:
    """A render's title: the job's name, `~` and the key tag, and `:attempt` from the second attempt on."""
    return f"{name}{TAG_MARK}{name_tag(key)}" + (f"{ATTEMPT_MARK}{attempt}" if attempt > 1 else "")


def title_tag(title: str | None) -> tuple[str, int] | None:
    """The (tag, attempt) a render's title ends with, or None when it carries no tag."""
    match = _TAGGED_TITLE.search(title or "")
    if match is None:
        return None
    return match.group(1), int(match.group(2) or 1)
