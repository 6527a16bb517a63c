"""HeyGen emulator: a POST /v3/videos body checked against the documented avatar shape, field by field.

Only the body's own rules live here; what depends on the account (the look, its consent, its default
voice) is checked by heygen_videos.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.sandbox.docs_facts import heygen as facts
from runner.sandbox.heygen_catalog import HeyGenError

ENUMS: dict[str, tuple[str, ...]] = {
    "resolution": facts.RESOLUTIONS,
    "aspect_ratio": facts.ASPECT_RATIOS,
    "output_format": facts.OUTPUT_FORMATS,
    "fit": facts.FIT_MODES,
    "expressiveness": facts.EXPRESSIVENESS_LEVELS,
}
STRINGS = ("title", "voice_id", "audio_url", "audio_asset_id", "callback_url", "callback_id", "motion_prompt")
BOOLEANS = ("remove_background",)
OBJECTS = ("background", "caption", "voice_settings", "engine", "watermark")
KNOWN_FIELDS = frozenset(facts.AVATAR_FIELDS + facts.REFERENCE_AVATAR_FIELDS)
VOICE_SETTINGS = {"speed": facts.VOICE_SPEED, "pitch": facts.VOICE_PITCH}


def invalid(param: str, message: str) -> HeyGenError:
    """A 400 `invalid_parameter` naming the field at fault."""
    return HeyGenError(400, "invalid_parameter", message, param=param)


def check_avatar_video(body: Mapping[str, Any]) -> dict[str, Any]:
    """Check a create body; return what the render needs (`script` None for an audio video)."""
    _check_type(body.get("type"))
    # Sandbox choice, stricter than HeyGen (its schema does not forbid other fields, so it drops them
    # unread): a field the client believes in but HeyGen ignores is a bug worth a 400 here.
    unknown = sorted(set(body) - KNOWN_FIELDS)
    if unknown:
        raise invalid(unknown[0], f"{unknown[0]!r} is not a field of an avatar video")
    given = {name: value for name, value in body.items() if value is not None}  # null is the documented default
    avatar_id = given.get("avatar_id")
    if not isinstance(avatar_id, str) or not avatar_id:
        raise invalid("avatar_id", "'avatar_id' (a look id) is required")
    _check_simple_fields(given)
    _check_speech(given)
    if "voice_settings" in given:
        _check_voice_settings(given["voice_settings"])
    if "engine" in given:
        _check_engine(given["engine"])
    if "background" in given:
        _check_background(given["background"])
    return {
        "avatar_id": avatar_id,
        "script": given.get("script"),
        "voice_id": given.get("voice_id"),
        "aspect_ratio": given.get("aspect_ratio", facts.DEFAULT_ASPECT_RATIO),
        "title": given.get("title"),
    }


def _check_type(kind: Any) -> None:
    if kind is None:
        raise invalid("type", "'type' is required")
    if kind == "image":
        raise invalid("type", "type 'image' (an animated image) is not emulated by the sandbox; use 'avatar'")
    if kind != facts.VIDEO_TYPE:
        raise invalid("type", f"type must be {facts.VIDEO_TYPE!r} for a video of an avatar look")


def _check_simple_fields(given: Mapping[str, Any]) -> None:
    """Strings, booleans, objects and the documented enums."""
    for name in STRINGS:
        if name in given and (not isinstance(given[name], str) or (name != "title" and not given[name])):
            raise invalid(name, f"{name!r} must be a non-empty string")
    for name in BOOLEANS:
        if name in given and not isinstance(given[name], bool):
            raise invalid(name, f"{name!r} must be true or false")
    for name in OBJECTS:
        if name in given and not isinstance(given[name], dict):
            raise invalid(name, f"{name!r} must be an object")
    for name, allowed in ENUMS.items():
        if name in given and given[name] not in allowed:
            raise invalid(name, f"{name!r} must be one of {', '.join(allowed)}")


def _check_speech(given: Mapping[str, Any]) -> None:
    """A script (1-5,000 characters) or one audio source, never both."""
    audio = [name for name in facts.AUDIO_FIELDS if name in given]
    if "script" in given:
        if audio:
            raise invalid("script", f"'script' and {audio[0]!r} are mutually exclusive")
        script = given["script"]
        lo, hi = facts.SCRIPT_MIN_CHARS, facts.SCRIPT_MAX_CHARS
        if not isinstance(script, str) or not lo <= len(script) <= hi:
            raise invalid("script", f"'script' must be {lo}-{hi:,} characters")
    elif not audio:
        raise invalid("script", "a 'script' or an audio source ('audio_url' or 'audio_asset_id') is required")
    elif len(audio) > 1:  # sandbox choice: the docs offer the two as alternatives
        raise invalid(audio[1], "give one audio source: 'audio_url' or 'audio_asset_id'")


def _check_voice_settings(settings: Mapping[str, Any]) -> None:
    for name, value in settings.items():
        param = f"voice_settings.{name}"
        if name == "locale":
            if value is not None and not isinstance(value, str):
                raise invalid(param, f"{param!r} must be a string")
        elif name in VOICE_SETTINGS:
            lo, hi = VOICE_SETTINGS[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
                raise invalid(param, f"{param!r} must be a number from {lo:g} to {hi:g}")
        else:
            raise invalid(param, f"{param!r} is not a voice setting (speed, pitch, locale)")


def _check_engine(engine: Mapping[str, Any]) -> None:
    if engine.get("type") not in facts.ENGINES:
        raise invalid("engine.type", f"'engine.type' must be one of {', '.join(facts.ENGINES)}")


def _check_background(background: Mapping[str, Any]) -> None:
    kind = background.get("type")
    if kind not in facts.BACKGROUND_TYPES:
        raise invalid("background.type", f"'background.type' must be one of {', '.join(facts.BACKGROUND_TYPES)}")
    if kind == "color" and not isinstance(background.get("value"), str):
        raise invalid("background.value", "'background.value' (a hex color) is required for a color background")
    sources = [name for name in ("url", "asset_id") if background.get(name) is not None]
    if kind == "image" and len(sources) != 1:
        raise invalid("background.url", "an image background takes one of 'url' or 'asset_id'")
