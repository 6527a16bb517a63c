"""How a provider-side name carries its job's key (`name~0123456789`), so a create whose reply was lost is found again."""

from __future__ import annotations

TAG_CHARS = 1 + 10  # `~` and the 10-hex tag
NAME_MAX_CHARS = 50  # TikTok's video_name limit, the tag included
VISIBLE_NAME_CHARS = NAME_MAX_CHARS - TAG_CHARS


def name_tag(key: str) -> str:
    """The 10-hex tag that a provider-side video name carries so a lost create can be adopted."""
    return key.split("-", 1)[1][:10]


def tagged_video_name(name: str, key: str, limit: int = NAME_MAX_CHARS) -> str:
    """The `video_name` sent on create: the user's name, cut to fit, then `~` and the key tag."""
    suffix = "~" + name_tag(key)
    return name[: limit - len(suffix)] + suffix


def visible_name(name: str, limit: int = NAME_MAX_CHARS) -> str:
    """The part of a video's name that people see before its `~tag`."""
    return name[: limit - TAG_CHARS]
