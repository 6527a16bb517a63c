"""Failures classified by what is known about their effect: not sent, unknown, refused; and the run's budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from runner.providers.budget import TransientBudget, TransientLimits
from runner.providers.config import ProviderSettings
from runner.providers.errors import (
    AuthError,
    NotSent,
    OutcomeUnknown,
    PermanentError,
    TransientBudgetExhausted,
    TransientError,
)
from runner.providers.heygen import HeyGenClient
from runner.providers.retry import RetryPolicy
from runner.providers.tiktok import TikTokClient
from tests.fake_clock import FakeClock
from tests.providers.conftest import Scripted

TOKEN = "tok-SECRET-1"
PACKAGE = [{"avatar_id": "1", "script": "Hello.", "video_name": "a~1", "package_id": "k"}]
OK_CREATE = {"code": 0, "message": "OK", "request_id": "r1", "data": {"list": [{"task_id": "t1", "package_id": "k"}]}}
OK_LIST = {"code": 0, "message": "OK", "request_id": "r1", "data": {"list": []}}


def tiktok(
    base_url: str,
    *,
    attempts: int = 3,
    limits: TransientLimits | None = None,
    transport: httpx.BaseTransport | None = None,
    clock: FakeClock | None = None,
) -> TikTokClient:
    clock = clock or FakeClock()
    settings = ProviderSettings({"TIKTOK_API_BASE_URL": base_url, "TIKTOK_ACCESS_TOKEN": TOKEN})
    return TikTokClient(
        settings,
        clock=clock,
        retry=RetryPolicy(max_attempts=attempts),
        transport=transport,
        budget=TransientBudget(clock, limits),
    )


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


# --- over real HTTP on 127.0.0.1 --------------------------------------------------------------


def test_connection_refused_is_not_sent_even_for_a_create(unused_port: int) -> None:
    client = tiktok(f"http://127.0.0.1:{unused_port}/open_api/v1.3")
    with pytest.raises(NotSent) as info:
        client.create_avatar_videos(PACKAGE)
    assert not isinstance(info.value, OutcomeUnknown) and info.value.code == "CONNECT"
    assert client.request_count == 3  # retried: nothing can have reached a server
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    "status, body",
    [
        (504, "<html>Gateway Timeout</html>"),
        (502, {"error": "bad gateway"}),
        (500, "<html>Internal Server Error</html>"),
        (500, {"error": "upstream failed"}),
    ],
)
def test_gateway_5xx_on_a_create_is_outcome_unknown_never_resent(scripted: Scripted, status: int, body: Any) -> None:
    scripted.reply((status, body), (200, OK_CREATE))
    with pytest.raises(OutcomeUnknown) as info:
        tiktok(scripted.base_url).create_avatar_videos(PACKAGE)
    assert info.value.http_status == status
    assert scripted.seen == ["POST /open_api/v1.3/creative/digital_avatar/video/task/create/"]


def test_gateway_5xx_on_uploads_and_refresh_creates_is_outcome_unknown(scripted: Scripted) -> None:
    client = tiktok(scripted.base_url)
    scripted.reply((504, "gateway timeout"))
    with pytest.raises(OutcomeUnknown):
        client.upload_video_by_url("https://example.com/v.mp4")
    with pytest.raises(OutcomeUnknown):
        client.create_refresh_task("v1", ["SWAP_MUSIC"], None)
    assert len(scripted.seen) == 2


def test_gateway_5xx_on_a_read_is_retried(scripted: Scripted) -> None:
    scripted.reply((504, "gateway timeout"), (200, OK_LIST))
    assert tiktok(scripted.base_url).get_avatar_tasks(["1"]) == []
    assert len(scripted.seen) == 2


def test_provider_envelope_500_on_a_create_is_the_providers_word_and_retried(scripted: Scripted) -> None:
    scripted.reply((500, {"code": 50000, "message": "internal error, retry", "request_id": "r5"}), (200, OK_CREATE))
    assert tiktok(scripted.base_url).create_avatar_videos(PACKAGE)[0].task_id == "t1"
    assert len(scripted.seen) == 2


def test_definite_refusals_keep_the_providers_words(scripted: Scripted) -> None:
    scripted.reply((200, {"code": 40105, "message": "Access token is invalid", "request_id": "r9"}))
    with pytest.raises(AuthError) as auth:
        tiktok(scripted.base_url).create_avatar_videos(PACKAGE)
    assert "Access token is invalid" in str(auth.value) and "TIKTOK_ACCESS_TOKEN" in str(auth.value)
    scripted.reply((200, {"code": 40002, "message": "script: too long", "request_id": "r2"}))
    with pytest.raises(PermanentError) as perm:
        tiktok(scripted.base_url).create_avatar_videos(PACKAGE)
    assert perm.value.message == "script: too long" and len(scripted.seen) == 1


def test_heygen_create_with_idempotency_key_is_retried_after_a_gateway_5xx(scripted: Scripted) -> None:
    scripted.reply((502, "bad gateway"), (200, {"data": {"video_id": "v1"}}))
    settings = ProviderSettings({"HEYGEN_API_BASE_URL": scripted.base_url, "HEYGEN_API_KEY": TOKEN})
    client = HeyGenClient(settings, clock=FakeClock(), retry=RetryPolicy(max_attempts=3))
    assert (
        client.create_video(avatar_id="a", script="s", voice_id="v", aspect_ratio="9:16", idempotency_key="k") == "v1"
    )
    assert len(scripted.seen) == 2


# --- MockTransport ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error", [httpx.ConnectTimeout("t"), httpx.PoolTimeout("t"), httpx.LocalProtocolError("Illegal header value")]
)
def test_failures_before_sending_are_not_sent(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(NotSent):
        tiktok("https://api.test/open_api/v1.3", transport=mock(handler)).create_avatar_videos(PACKAGE)


def test_an_unusable_url_is_not_sent_and_not_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.UnsupportedProtocol("Request URL has an unsupported protocol")

    client = tiktok("https://api.test/open_api/v1.3", transport=mock(handler))
    with pytest.raises(NotSent) as info:
        client.get_avatar_tasks(["1"])
    assert info.value.code == "INVALID_URL" and len(calls) == 1


@pytest.mark.parametrize("error", [httpx.ReadTimeout("t"), httpx.RemoteProtocolError("gone"), httpx.WriteError("w")])
def test_a_reply_lost_after_sending_a_create_is_outcome_unknown(error: Exception) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise error

    with pytest.raises(OutcomeUnknown):
        tiktok("https://api.test/open_api/v1.3", transport=mock(handler)).upload_video_by_url("https://e.com/v.mp4")
    assert len(calls) == 1


def test_budget_attempts_end_transient_trouble_with_one_clear_error() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, text="unavailable")

    client = tiktok(
        "https://api.test/open_api/v1.3",
        attempts=4,
        limits=TransientLimits(attempts=6, seconds=1e6),
        transport=mock(handler),
    )
    with pytest.raises(TransientError):
        client.get_avatar_tasks(["1"])  # 4 attempts: the call's own policy
    with pytest.raises(TransientBudgetExhausted) as info:
        client.get_avatar_tasks(["1"])  # 2 more: the run's budget
    assert len(calls) == 6
    assert "6 transient failures" in str(info.value) and "CAMPAIGN_TRANSIENT_ATTEMPTS" in str(info.value)
    with pytest.raises(TransientBudgetExhausted):
        client.get_avatar_tasks(["1"])
    assert len(calls) == 6  # spent: nothing more is sent


def test_budget_seconds_bound_the_wall_time_and_an_answer_resets_the_streak() -> None:
    clock = FakeClock()
    replies = (
        [httpx.Response(503, text="x")] * 3 + [httpx.Response(200, json=OK_LIST)] + [httpx.Response(503, text="x")] * 50
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return replies.pop(0)

    client = tiktok(
        "https://api.test/open_api/v1.3",
        attempts=100,
        clock=clock,
        limits=TransientLimits(attempts=1000, seconds=60),
        transport=mock(handler),
    )
    assert client.get_avatar_tasks(["1"]) == []
    start = clock.monotonic()
    with pytest.raises(TransientBudgetExhausted):
        client.get_avatar_tasks(["1"])
    assert 60 <= clock.monotonic() - start <= 60 + RetryPolicy().cap


def test_a_failed_tls_handshake_is_not_sent(scripted: Scripted) -> None:
    scripted.reply((200, OK_CREATE))
    plain_http_server_spoken_to_in_tls = scripted.base_url.replace("http://", "https://")
    with pytest.raises(NotSent):
        tiktok(plain_http_server_spoken_to_in_tls, attempts=1).create_avatar_videos(PACKAGE)
    assert scripted.seen == []  # the server saw no request
