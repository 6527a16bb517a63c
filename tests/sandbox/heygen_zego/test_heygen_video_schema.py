"""POST /v3/videos bodies against the documented avatar shape, one rule at a time, over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from runner.sandbox.docs_facts import heygen as facts

H = {"X-Api-Key": "sandbox-token"}


def _client(served: Any) -> httpx.Client:
    return httpx.Client(base_url=served.heygen_url, headers=H, timeout=10)


def _body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "avatar", "avatar_id": "look_0001_1", "script": "Hello.", "voice_id": "voice_0001"}
    body.update(over)
    return {name: value for name, value in body.items() if value is not ...}  # `...`: leave the field out


def _refused(served: Any, body: dict[str, Any], param: str) -> dict[str, Any]:
    """The body is refused 400 `invalid_parameter` naming `param`, and nothing is rendered."""
    with _client(served) as c:
        reply = c.post("/v3/videos", json=body)
    assert reply.status_code == 400, reply.text
    error: dict[str, Any] = reply.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_parameter", param) and error["message"]
    assert error["doc_url"].endswith("#invalid-parameter")
    assert served.hooks.state["heygen"]["videos"] == {}
    return error


def _accepted(served: Any, body: dict[str, Any]) -> dict[str, Any]:
    with _client(served) as c:
        reply = c.post("/v3/videos", json=body)
    assert reply.status_code == 200, reply.text
    video: dict[str, Any] = served.hooks.state["heygen"]["videos"][reply.json()["data"]["video_id"]]
    return video


def test_a_missing_type_is_refused_as_required(served: Any) -> None:
    assert _refused(served, _body(type=...), "type")["message"] == "'type' is required"


def test_the_image_shape_is_documented_but_not_emulated(served: Any) -> None:
    assert "not emulated" in _refused(served, _body(type="image"), "type")["message"]


@pytest.mark.parametrize("avatar_id", [..., None, "", 7])
def test_avatar_id_is_required(served: Any, avatar_id: Any) -> None:
    _refused(served, _body(avatar_id=avatar_id), "avatar_id")


def test_a_field_outside_the_documented_shape_is_refused(served: Any) -> None:
    # sandbox choice: HeyGen's schema does not forbid extra fields, it ignores them
    _refused(served, _body(dimension={"width": 1280, "height": 720}), "dimension")


def test_null_is_the_default_of_every_optional_field(served: Any) -> None:
    nulls = {name: None for name in ("title", "resolution", "aspect_ratio", "caption", "engine", "fit", "watermark")}
    assert _accepted(served, _body(**nulls))["aspect_ratio"] == facts.DEFAULT_ASPECT_RATIO


@pytest.mark.parametrize(
    ("field", "allowed"),
    [
        ("resolution", facts.RESOLUTIONS),
        ("output_format", facts.OUTPUT_FORMATS),
        ("fit", facts.FIT_MODES),
        ("expressiveness", facts.EXPRESSIVENESS_LEVELS),
        ("aspect_ratio", facts.ASPECT_RATIOS),
    ],
)
def test_enums_take_their_documented_values_only(make_served: Any, field: str, allowed: tuple[str, ...]) -> None:
    served = make_served()
    for value in allowed:
        _accepted(served, _body(**{field: value}))
    served.hooks.state["heygen"]["videos"].clear()
    _refused(served, _body(**{field: "8k"}), field)


@pytest.mark.parametrize("length", [facts.SCRIPT_MIN_CHARS, facts.SCRIPT_MAX_CHARS])
def test_scripts_at_the_documented_bounds_are_taken(served: Any, length: int) -> None:
    assert len(_accepted(served, _body(script="x" * length))["script"]) == length


@pytest.mark.parametrize("length", [facts.SCRIPT_MIN_CHARS - 1, facts.SCRIPT_MAX_CHARS + 1])
def test_scripts_beyond_the_documented_bounds_are_refused(served: Any, length: int) -> None:
    _refused(served, _body(script="x" * length), "script")


@pytest.mark.parametrize("audio", facts.AUDIO_FIELDS)
def test_script_and_audio_are_mutually_exclusive(served: Any, audio: str) -> None:
    _refused(served, _body(**{audio: "https://example.com/a.mp3"}), "script")


@pytest.mark.parametrize("audio", facts.AUDIO_FIELDS)
def test_audio_is_the_alternative_to_a_script(served: Any, audio: str) -> None:
    video = _accepted(served, _body(script=..., voice_id=..., **{audio: "asset_or_url"}))
    assert video["script"] is None


def test_a_video_needs_a_script_or_audio(served: Any) -> None:
    _refused(served, _body(script=...), "script")


def test_voice_id_falls_back_to_the_looks_default_voice(served: Any) -> None:
    assert _accepted(served, _body(voice_id=...))["voice_id"] == "voice_0001"  # group_0001's default voice


def test_voice_id_is_required_for_a_look_without_a_default_voice(make_served: Any) -> None:
    group = {"id": "group_mine", "name": "Mine", "ownership": "private", "default_voice_id": None}
    group |= {"consent_status": "approved", "trained_at": 0.0, "training_fails": False, "created_at": 0}
    look = {"id": "look_mine", "name": "Mine", "avatar_type": "digital_twin", "group_id": "group_mine"}
    served = make_served({"heygen": {"groups": {"group_mine": group}, "looks": {"look_mine": look}}})
    _refused(served, _body(avatar_id="look_mine", voice_id=...), "voice_id")
    assert _accepted(served, _body(avatar_id="look_mine"))["voice_id"] == "voice_0001"


@pytest.mark.parametrize(
    ("settings", "param"),
    [
        ({"speed": facts.VOICE_SPEED[0] - 0.1}, "voice_settings.speed"),
        ({"speed": facts.VOICE_SPEED[1] + 0.1}, "voice_settings.speed"),
        ({"pitch": facts.VOICE_PITCH[0] - 1}, "voice_settings.pitch"),
        ({"pitch": "high"}, "voice_settings.pitch"),
        ({"locale": 1}, "voice_settings.locale"),
        ({"emotion": "Excited"}, "voice_settings.emotion"),
    ],
)
def test_voice_settings_outside_their_documented_ranges_are_refused(
    served: Any, settings: dict[str, Any], param: str
) -> None:
    _refused(served, _body(voice_settings=settings), param)


def test_voice_settings_at_their_documented_bounds_are_taken(served: Any) -> None:
    low = {"speed": facts.VOICE_SPEED[0], "pitch": facts.VOICE_PITCH[0], "locale": "en-US"}
    high = {"speed": facts.VOICE_SPEED[1], "pitch": facts.VOICE_PITCH[1]}
    _accepted(served, _body(voice_settings=low))
    _accepted(served, _body(voice_settings=high))


def test_the_engine_is_an_object_naming_a_documented_engine(served: Any) -> None:
    for engine in facts.ENGINES:
        _accepted(served, _body(engine={"type": engine}))
    served.hooks.state["heygen"]["videos"].clear()
    _refused(served, _body(engine={"type": "avatar_iii"}), "engine.type")
    _refused(served, _body(engine="avatar_iv"), "engine")


@pytest.mark.parametrize(
    ("background", "param"),
    [
        ({"type": "video", "url": "https://example.com/b.mp4"}, "background.type"),
        ({"type": "color"}, "background.value"),
        ({"type": "image"}, "background.url"),
        ({"type": "image", "url": "https://example.com/b.png", "asset_id": "a"}, "background.url"),
    ],
)
def test_backgrounds_follow_their_documented_shape(served: Any, background: dict[str, Any], param: str) -> None:
    _refused(served, _body(background=background), param)


def test_documented_backgrounds_are_taken(served: Any) -> None:
    _accepted(served, _body(background={"type": "color", "value": "#ff0000"}))
    _accepted(served, _body(background={"type": "image", "asset_id": "asset_1"}))


@pytest.mark.parametrize(("field", "value"), [("title", 5), ("remove_background", "yes"), ("caption", True)])
def test_fields_of_the_wrong_type_are_refused(served: Any, field: str, value: Any) -> None:
    _refused(served, _body(**{field: value}), field)


def test_the_title_is_kept_and_shown(served: Any) -> None:
    with _client(served) as c:
        video_id = c.post("/v3/videos", json=_body(title="Spring promo ~hg-0003")).json()["data"]["video_id"]
        assert c.get(f"/v3/videos/{video_id}").json()["data"]["title"] == "Spring promo ~hg-0003"
