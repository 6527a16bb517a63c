"""TikTok client: encodings, classification and retries (MockTransport), and every method over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from runner.clock import RealClock
from runner.providers.config import ProviderSettings, settings_from_env
from runner.providers.errors import AuthError, OutcomeUnknown, PackageRefused, PermanentError, TransientError
from runner.providers.retry import RetryPolicy
from runner.providers.tiktok import TikTokClient
from runner.sandbox.server import SandboxServer
from runner.vocabulary.tasks import TaskStatus
from tests.fake_clock import FakeClock

SETTINGS = ProviderSettings(
    {"TIKTOK_API_BASE_URL": "https://api.test/open_api/v1.3", "TIKTOK_ACCESS_TOKEN": "tok-SECRET"}
)


def client(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> TikTokClient:
    return TikTokClient(
        SETTINGS, clock=FakeClock(), transport=httpx.MockTransport(handler), retry=RetryPolicy(max_attempts=4), **kw
    )


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "message": "OK", "request_id": "r1", "data": data})


def test_headers_trailing_slash_and_json_query_arrays() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"list": []})

    client(handler).get_avatar_tasks(["1", "2"])
    request = seen[0]
    assert request.headers["Access-Token"] == "tok-SECRET" and "Bearer" not in request.headers["Access-Token"]
    assert request.url.path == "/open_api/v1.3/creative/digital_avatar/video/task/get/"
    assert json.loads(request.url.params["task_ids"]) == ["1", "2"]


def test_pagination_to_exhaustion() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        items = [{"avatar_id": f"{page}{i}", "avatar_name": "n"} for i in range(100 if page < 3 else 7)]
        return ok({"list": items, "page_info": {"page": page, "page_size": 100, "total_number": 207, "total_page": 3}})

    assert len(client(handler).list_avatars()) == 207


def test_transient_codes_and_5xx_are_retried_then_succeed() -> None:
    replies = iter(
        [
            httpx.Response(503, text="busy"),
            httpx.Response(200, json={"code": 50002, "message": "busy", "request_id": "r"}),
            ok({"list": [{"avatar_id": "1", "avatar_name": "A"}], "page_info": {"total_page": 1}}),
        ]
    )
    c = client(lambda r: next(replies))
    assert [a.id for a in c.list_avatars()] == ["1"]
    assert c.request_count == 3


def test_rate_limit_code_is_retried_with_backoff() -> None:
    clock = FakeClock()
    replies = iter(
        [httpx.Response(200, json={"code": 40100, "message": "Too many requests", "request_id": "r"}), ok({"list": []})]
    )
    c = TikTokClient(SETTINGS, clock=clock, transport=httpx.MockTransport(lambda r: next(replies)))
    start = clock.monotonic()
    c.get_avatar_tasks(["1"])
    assert clock.monotonic() - start >= 1.0


def test_auth_errors_name_the_variable_and_stop() -> None:
    c = client(
        lambda r: httpx.Response(200, json={"code": 40105, "message": "Access token is invalid", "request_id": "r9"})
    )
    with pytest.raises(AuthError) as info:
        c.get_avatar_tasks(["1"])
    assert "TIKTOK_ACCESS_TOKEN" in str(info.value) and "r9" in str(info.value) and c.request_count == 1


def test_other_4xxxx_codes_are_permanent_with_details() -> None:
    c = client(lambda r: httpx.Response(200, json={"code": 40002, "message": "script: too long", "request_id": "r2"}))
    with pytest.raises(PermanentError) as info:
        c.create_avatar_videos([{"avatar_id": "1", "script": "x"}])
    err = info.value
    assert (err.provider, err.code, err.request_id) == ("tiktok", "40002", "r2") and err.endpoint.endswith(
        "task/create/"
    )


def test_lost_reply_of_a_create_is_outcome_unknown_not_a_resend() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.RemoteProtocolError("Server disconnected", request=request)

    c = client(handler)
    with pytest.raises(OutcomeUnknown):
        c.create_avatar_videos([{"avatar_id": "1", "script": "x"}])
    assert len(calls) == 1


def test_lost_reply_of_a_read_is_retried() -> None:
    replies: list[Any] = [httpx.ReadError("reset"), ok({"list": []})]

    def handler(request: httpx.Request) -> httpx.Response:
        reply = replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    assert client(handler).get_avatar_tasks(["1"]) == []


def test_transient_failures_exhaust_the_policy() -> None:
    c = client(lambda r: httpx.Response(500, text="boom"))
    with pytest.raises(TransientError):
        c.get_avatar_tasks(["1"])
    assert c.request_count == 4


def test_retry_policy_is_capped_jittered_and_honours_retry_after() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0, jitter=False)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert policy.delay(1, retry_after=12.0) == 12.0
    jittered = RetryPolicy(base=1.0, cap=8.0)
    assert all(2.0 <= jittered.delay(3) <= 4.0 for _ in range(50))


def test_every_method_over_real_http(sandbox: SandboxServer) -> None:
    c = TikTokClient(settings_from_env(sandbox.env()), clock=RealClock())
    assert len(c.list_avatars()) == 88
    created = c.create_avatar_videos(
        [{"avatar_id": "7295705233773068290", "script": "Hello.", "video_name": "a~1", "package_id": "k"}]
    )
    assert created[0].package_id == "k" and created[0].task_id
    task = c.get_avatar_tasks([created[0].task_id])[0]
    while task.status != TaskStatus.SUCCEEDED:
        c.clock.sleep(0.25)
        task = c.get_avatar_tasks([created[0].task_id])[0]
    assert task.video_id and task.preview_url
    c.rename_video(task.video_id, "renamed")
    assert [v.video_name for v in c.list_avatar_videos(avatar_id="7295705233773068290")] == ["renamed"]
    stock = c.upload_video_by_url(task.preview_url)
    task_ids = c.create_refresh_task(stock, ["SWAP_MUSIC"], None)
    refresh = c.get_refresh_tasks(task_ids)[0]
    while refresh.status != TaskStatus.SUCCEEDED:
        c.clock.sleep(0.25)
        refresh = c.get_refresh_tasks(task_ids)[0]
    assert [v.video_id for v in c.list_refresh_videos()] == [refresh.video_id]
    with pytest.raises(PermanentError):
        c.upload_video_by_url(sandbox.asset_url("page.html"))


def test_a_refused_batch_names_the_package_at_fault_over_real_http(sandbox: SandboxServer) -> None:
    c = TikTokClient(settings_from_env(sandbox.env()), clock=RealClock())
    good = {"avatar_id": "7295705233773068290", "script": "Hello."}
    with pytest.raises(PackageRefused) as refused:
        c.create_avatar_videos([good, {**good, "video_name": "n" * 51}, good])
    assert refused.value.package == 1 and refused.value.code == "40002"
    assert refused.value.message.startswith("video_name:") and "material_packages" not in refused.value.message
    assert sandbox.stats()["avatar_videos_created"] == 0
    created = c.create_avatar_videos([good, {**good, "avatar_id": "7295705233773068291", "package_id": "x"}])
    assert created[0].task_id and (created[1].task_id, created[1].package_id) == (None, "x")
    assert created[1].error_msg and "7295705233773068291" in created[1].error_msg  # its own outcome, per package


def test_a_refusal_naming_no_package_or_one_outside_the_batch_names_none() -> None:
    words = iter(["video_name: too long", "material_packages[7].script: too long"])
    c = client(lambda r: httpx.Response(200, json={"code": 40002, "message": next(words), "request_id": "r"}))
    package = {"avatar_id": "1", "script": "a"}
    for _ in range(2):
        with pytest.raises(PackageRefused) as refused:
            c.create_avatar_videos([package, package])
        assert refused.value.package is None
