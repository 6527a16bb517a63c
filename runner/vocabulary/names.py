"""How a provider-side name carries its job's key (`name~0123456789`), so a create whose reply was lost is found again.

The tag is 10 hex of the sha256 of the owning campaign's name and the job key, so a copy of a campaign
under another `campaign:` name never finds (adopts, imports, renames) the original's videos. Names made
before tags told campaigns apart carry the key's own first 10 hex (`name_tag(key)`, no owner): a job
whose lockfile record holds such a name keeps it, and adoption accepts it only for the exact name.

Renders go one step further: each attempt has its own idempotency key (`<job key>.<tag>`, then
`<job key>.<tag>:<attempt>`) and its title says which attempt made it (`name~0123456789:2`).
"""

from __future__ import annotations

import hashlib
import re

TAG_MARK = "~"  # every tagged name carries it: a title filter on it finds every tagged render
TAG_CHARS = 1 + 10  # `~` and the 10-hex tag
NAME_MAX_CHARS = 50  # TikTok's video_name limit, the tag included
VISIBLE_NAME_CHARS = NAME_MAX_CHARS - TAG_CHARS
ATTEMPT_MARK = ":"  # one of the idempotency key characters HeyGen documents (`[A-Za-z0-9_:.-]`)
_TAGGED_TITLE = re.compile(r"~([0-9a-f]{10})(?::([1-9][0-9]*))?$")


def name_tag(key: str, owner: str | None = None) -> str:
    """The 10-hex tag of job `key` owned by campaign `owner`; without an owner, the older form (the key's own hex)."""
    if owner is None:
        return key.split("-", 1)[1][:10]
    return hashlib.sha256(f"{owner}\n{key}".encode()).hexdigest()[:10]


def tagged_video_name(name: str, key: str, limit: int = NAME_MAX_CHARS, owner: str | None = None) -> str:
    """The `video_name` sent on create: the user's name, cut to fit, then `~` and the tag."""
    suffix = TAG_MARK + name_tag(key, owner)
    return name[: limit - len(suffix)] + suffix


def tag_in(name: str | None) -> str | None:
    """The tag a video's name (or a render's title) ends with, or None."""
    found = title_tag(name)
    return found[0] if found is not None else None


def visible_name(name: str, limit: int = NAME_MAX_CHARS) -> str:
    """The part of a video's name that people see before its `~tag`."""
    return name[: limit - TAG_CHARS]


def attempt_key(key: str, attempt: int, owner: str | None = None) -> str:
    """The idempotency key of a job's attempt: `<key>.<tag>` for the first, `<key>.<tag>:<attempt>` for each later one.

    The tag keeps two campaigns' identical jobs apart (the provider would replay one's render to the other);
    without an owner, the older form: the job key, `<key>:<attempt>`.
    """
    base = key if owner is None else f"{key}.{name_tag(key, owner)}"
    return base if attempt <= 1 else f"{base}{ATTEMPT_MARK}{attempt}"


def attempt_of_key(idempotency_key: str | None) -> int:
    """The attempt an idempotency key was made for (a missing key is the first attempt's: the job key)."""
    if idempotency_key is None or ATTEMPT_MARK not in idempotency_key:
        return 1
    return int(idempotency_key.rsplit(ATTEMPT_MARK, 1)[1])


def render_title(name: str, key: str, attempt: int, owner: str | None = None) -> str:
    """A render's title: the job's name, `~` and the tag, and `:attempt` from the second attempt on."""
    return f"{name}{TAG_MARK}{name_tag(key, owner)}" + (f"{ATTEMPT_MARK}{attempt}" if attempt > 1 else "")


def title_tag(title: str | None) -> tuple[str, int] | None:
    """The (tag, attempt) a render's title ends with, or None when it carries no tag."""
    match = _TAGGED_TITLE.search(title or "")
    if match is None:
        return None
    return match.group(1), int(match.group(2) or 1)
