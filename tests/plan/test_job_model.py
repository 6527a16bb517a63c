from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.plan.job import canonical_json, job_key
from runner.vocabulary.names import name_tag, tagged_video_name


def test_key_depends_on_request_not_on_dict_order() -> None:
    a = job_key("avatar_video", "tiktok", {"avatar_id": "1", "script": "hi"})
    b = job_key("avatar_video", "tiktok", {"script": "hi", "avatar_id": "1"})
    assert a == b
    assert a.startswith("av-") and len(a) == 19
    assert job_key("avatar_video", "tiktok", {"avatar_id": "2", "script": "hi"}) != a
    assert job_key("heygen_video", "heygen", {"avatar_id": "1", "script": "hi"}).startswith("hg-")


@given(st.text(min_size=1, max_size=120))
def test_tagged_name_fits_and_carries_the_tag(name: str) -> None:
    key = job_key("avatar_video", "tiktok", {"avatar_id": "1", "script": name})
    tagged = tagged_video_name(name, key)
    assert len(tagged) <= 50
    assert tagged.endswith("~" + name_tag(key))
    if len(name) <= 39:
        assert tagged.startswith(name)


def _dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON)
def test_canonical_json_is_byte_for_byte_what_json_dumps_gives(value: object) -> None:
    assert canonical_json(value) == _dumps(value)


def test_canonical_json_keeps_unicode_and_escapes_what_json_escapes() -> None:
    value = {"z": "\u00e9\u6f22\U0001f600", "a": ['\x00\x1f"\\\n\u2028', 1.5, -0.0, 10**20, True, None], "": {}}
    assert canonical_json(value) == _dumps(value)
    assert canonical_json("plain") == _dumps("plain")


def test_canonical_json_raises_as_json_does_and_recovers() -> None:
    circular: list[object] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular"):
        canonical_json({"a": circular})
    inner: list[dict[str, object]] = [{"b": object()}]
    with pytest.raises(TypeError):
        canonical_json({"a": inner})
    inner[0]["b"] = "1"
    # The containers of a failed encode are not left marked as being encoded: they encode afterwards.
    assert canonical_json({"a": inner}) == _dumps({"a": inner})
