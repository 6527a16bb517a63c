from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from runner import api_facts

APP_ID = "1000001"
SECRET = "sandbox-token"


def _params(served: Any, **over: str) -> dict[str, str]:
    ts = str(int(served.hooks.clock.time()))
    nonce = "a1b2c3"
    params = {
        "Action": "GetDigitalHumanList",
        "AppId": APP_ID,
        "SignatureNonce": nonce,
        "Timestamp": ts,
        "SignatureVersion": "2.0",
        "Signature": hashlib.md5((APP_ID + nonce + SECRET + ts).encode()).hexdigest(),
    }
    params.update(over)
    return {k: v for k, v in params.items() if v is not None}


def _call(served: Any, body: Any = None, **over: str) -> dict[str, Any]:
    resp = httpx.post(served.zego_url + "/", params=_params(served, **over), json=body if body is not None else {})
    result: dict[str, Any] = resp.json()
    result["_http"] = resp.status_code
    return result


def test_lists_every_digital_human_by_pages(served: Any) -> None:
    seen: list[str] = []
    offset = 0
    pages = 0
    while True:
        reply = _call(served, {"Offset": offset, "Limit": api_facts.ZEGO_LIMIT_MAX})
        assert reply["Code"] == 0 and reply["Message"] == "success" and reply["RequestId"]
        humans = reply["Data"]["DigitalHumans"]
        assert reply["Data"]["Total"] == 45
        seen.extend(h["DigitalHumanId"] for h in humans)
        pages += 1
        offset += len(humans)
        if offset >= reply["Data"]["Total"]:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 45
    first = _call(served, {"Limit": 1})["Data"]["DigitalHumans"][0]
    assert set(first) == {"DigitalHumanId", "Name", "AvatarUrl", "IsPublic", "Actions"}
    defaults = _call(served)  # empty body: FetchMode 1, Offset 0, Limit 20
    assert len(defaults["Data"]["DigitalHumans"]) == 20


def test_fetch_mode_filters(served: Any) -> None:
    public = _call(served, {"FetchMode": 2})["Data"]
    private = _call(served, {"FetchMode": 3})["Data"]
    assert public["Total"] + private["Total"] == 45 and private["Total"] > 0
    assert all(h["IsPublic"] for h in public["DigitalHumans"])
    assert not any(h["IsPublic"] for h in private["DigitalHumans"])


@pytest.mark.parametrize(
    "body",
    [
        {"Limit": 0},
        {"Limit": 21},
        {"Offset": -1},
        {"Offset": api_facts.ZEGO_OFFSET_MAX + 1},
        {"FetchMode": 4},
        {"Limit": "10"},
        [1, 2],
    ],
)
def test_bad_body_is_invalid_input(served: Any, body: Any) -> None:
    reply = _call(served, body)
    assert reply["Code"] == api_facts.ZEGO_CODE_INVALID_INPUT and reply["Message"]
    assert reply["_http"] == 200


def test_signature_error_and_expiry(served: Any) -> None:
    assert _call(served, Signature="0" * 32)["Code"] == api_facts.ZEGO_CODE_SIGNATURE_ERROR
    # the signature covers the nonce: changing it alone breaks the signature
    assert _call(served, SignatureNonce="other")["Code"] == api_facts.ZEGO_CODE_SIGNATURE_ERROR
    now = int(served.hooks.clock.time())
    stale = str(now - api_facts.ZEGO_SIGNATURE_WINDOW_SECONDS - 5)
    nonce = "n"
    sig = hashlib.md5((APP_ID + nonce + SECRET + stale).encode()).hexdigest()
    reply = _call(served, Timestamp=stale, SignatureNonce=nonce, Signature=sig)
    assert reply["Code"] == api_facts.ZEGO_CODE_SIGNATURE_EXPIRED
    within = str(now - api_facts.ZEGO_SIGNATURE_WINDOW_SECONDS + 5)
    sig = hashlib.md5((APP_ID + nonce + SECRET + within).encode()).hexdigest()
    assert _call(served, Timestamp=within, SignatureNonce=nonce, Signature=sig)["Code"] == 0


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"Action": None}, 100000006),
        ({"Action": "StartDigitalHuman"}, 100000007),
        ({"AppId": None}, 100000001),
        ({"AppId": "abc"}, 100000001),
        ({"AppId": "999"}, 100000010),
        ({"Timestamp": None}, 100000002),
        ({"Timestamp": "soon"}, 100000003),
        ({"SignatureNonce": None}, 100000008),
        ({"Signature": None}, 100000009),
        ({"SignatureVersion": None}, 100000013),
        ({"SignatureVersion": "1.0"}, 100000014),
    ],
)
def test_common_parameter_codes(served: Any, over: dict[str, Any], code: int) -> None:
    reply = _call(served, **over)
    assert reply["Code"] == code and reply["Message"]


def test_rate_limit_code(served: Any) -> None:
    served.hooks.clock.step = 0.0
    codes = [_call(served)["Code"] for _ in range(api_facts.ZEGO_QPS + 1)]
    assert codes[:-1] == [0] * api_facts.ZEGO_QPS
    assert codes[-1] == api_facts.ZEGO_CODE_RATE_LIMITED
    assert sum(served.hooks.rate_limited.values()) == 1
    served.hooks.clock.advance(1.0)
    assert _call(served)["Code"] == 0


def test_fault_is_internal_error(served: Any) -> None:
    served.hooks.force_faults = 1
    reply = _call(served)
    assert reply["_http"] == 500 and reply["Code"] == api_facts.ZEGO_CODE_INTERNAL_ERROR
    assert _call(served)["Code"] == 0


def test_slow_reply_still_answers(make_served: Any) -> None:
    import time

    served = make_served(slow_rate=1.0, speed=0.05)  # 2-5 virtual s = 0.1-0.25 s
    start = time.monotonic()
    assert _call(served)["Code"] == 0
    assert time.monotonic() - start >= 0.1
