from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from runner.plan.job import job_key
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
