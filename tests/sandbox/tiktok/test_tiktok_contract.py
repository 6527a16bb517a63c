"""Contract tests of the TikTok emulator over real HTTP: each endpoint's valid call and documented rejections."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from runner.sandbox.server import SandboxServer
from tests.fake_clock import FakeClock

AVATAR = "7295705233773068290"
H = {"Access-Token": "sandbox-token"}


def get(sb: SandboxServer, path: str, headers: dict[str, str] | None = H, **params: Any) -> dict[str, Any]:
    q = {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in params.items()}
    reply = httpx.get(sb.tiktok_url + path, params=q, headers=headers)
    assert reply.status_code == 200
    body: dict[str, Any] = reply.json()
    assert set(body) == {"code", "message", "request_id", "data"}
    return body


def post(sb: SandboxServer, path: str, body: Any, headers: dict[str, str] | None = H) -> dict[str, Any]:
    reply = httpx.post(sb.tiktok_url + path, json=body, headers=headers)
    assert reply.status_code == 200
    out: dict[str, Any] = reply.json()
    return out


def create(sb: SandboxServer, script: str = "Hello there.", **extra: str) -> str:
    body = post(
        sb,
        "/creative/digital_avatar/video/task/create/",
        {"material_packages": [{"avatar_id": AVATAR, "script": script, **extra}]},
    )
    assert body["code"] == 0, body
    return str(body["data"]["list"][0]["task_id"])


def wait_success(
    sb: SandboxServer, task_id: str, path: str = "/creative/digital_avatar/video/task/get/", **extra: str
) -> dict[str, Any]:
    deadline = time.monotonic() + 60  # the sandbox's speed sets the wait; the deadline only stops a hang
    while time.monotonic() < deadline:
        task = get(sb, path, task_ids=[task_id], **extra)["data"]["list"][0]
        if task["status"] in ("SUCCESS", "FAILED"):
            return dict(task)
        time.sleep(0.3)  # well under the app's 10 QPS, leaving room for the calls that follow
    raise AssertionError("task never finished")


# --- auth and envelope ---------------------------------------------------------------------------
def test_missing_token_is_40104(sandbox: SandboxServer) -> None:
    assert get(sandbox, "/creative/digital_avatar/get/", headers=None)["code"] == 40104


def test_wrong_token_is_40105(sandbox: SandboxServer) -> None:
    assert get(sandbox, "/creative/digital_avatar/get/", headers={"Access-Token": "nope"})["code"] == 40105


def test_trailing_slash_is_required(sandbox: SandboxServer) -> None:
    assert httpx.get(sandbox.tiktok_url + "/creative/digital_avatar/get", headers=H).status_code == 404


# --- /creative/digital_avatar/get/ ---------------------------------------------------------------
def test_catalog_has_the_88_documented_avatars(sandbox: SandboxServer) -> None:
    data = get(sandbox, "/creative/digital_avatar/get/", page="1", page_size="100")["data"]
    assert data["page_info"] == {"page": 1, "page_size": 100, "total_number": 88, "total_page": 1}
    names = {a["avatar_id"]: a["avatar_name"] for a in data["list"]}
    assert names[AVATAR] == "Isabelle in light green top" and names["7295759871838797825"] == "Tom in blue shirt"


def test_default_page_size_is_10(sandbox: SandboxServer) -> None:
    data = get(sandbox, "/creative/digital_avatar/get/")["data"]
    assert len(data["list"]) == 10 and data["page_info"]["total_page"] == 9


@pytest.mark.parametrize("params", [{"page_size": "101"}, {"page_size": "0"}, {"page": "0"}, {"page": "x"}])
def test_bad_paging_is_40002_naming_the_field(sandbox: SandboxServer, params: dict[str, str]) -> None:
    body = get(sandbox, "/creative/digital_avatar/get/", **params)
    assert body["code"] == 40002 and next(iter(params)) in body["message"]


# --- /creative/digital_avatar/video/task/create/ ----------------------------------------------------
def test_create_returns_task_and_package_ids(sandbox: SandboxServer) -> None:
    body = post(
        sandbox,
        "/creative/digital_avatar/video/task/create/",
        {
            "material_packages": [
                {"avatar_id": AVATAR, "script": "Hi.", "package_id": "p1"},
                {"avatar_id": AVATAR, "script": "Yo."},
            ]
        },
    )
    assert body["code"] == 0
    assert [t["package_id"] for t in body["data"]["list"]] == ["p1", None]
    assert sandbox.stats()["avatar_videos_created"] == 2


def test_a_package_whose_avatar_is_unavailable_gets_its_error_msg_and_the_others_are_made(
    sandbox: SandboxServer,
) -> None:
    retired = "7301881390801354754"
    assert httpx.post(f"{sandbox.base_url}/_sandbox/retire", json={"avatar_ids": [retired]}).json() == {"retired": 1}
    packages = [
        {"avatar_id": AVATAR, "script": "Hi.", "package_id": "p1"},
        {"avatar_id": "1", "script": "Hi.", "package_id": "p2"},
        {"avatar_id": retired, "script": "Hi.", "package_id": "p3"},
    ]
    body = post(sandbox, "/creative/digital_avatar/video/task/create/", {"material_packages": packages})
    assert body["code"] == 0
    first, unknown, gone = body["data"]["list"]
    assert first["package_id"] == "p1" and first["task_id"] and "error_msg" not in first
    for item, avatar in ((unknown, "1"), (gone, retired)):
        assert item["task_id"] == "" and item["error_msg"].startswith("avatar_id: ") and avatar in item["error_msg"]
    assert [p["package_id"] for p in (unknown, gone)] == ["p2", "p3"]
    assert sandbox.stats()["avatar_videos_created"] == 1
    listed = get(sandbox, "/creative/digital_avatar/get/", page_size="100")["data"]["list"]
    assert retired not in {a["avatar_id"] for a in listed} and len(listed) == 87


@pytest.mark.parametrize(
    ("packages", "field"),
    [
        ([], "material_packages"),
        ([{"avatar_id": AVATAR, "script": "a"}] * 6, "material_packages"),
        ([{"script": "a"}], "avatar_id"),
        ([{"avatar_id": AVATAR}], "script"),
        ([{"avatar_id": AVATAR, "script": "x" * 2001}], "script"),
        ([{"avatar_id": AVATAR, "script": "Great boots \U0001f462"}], "script"),
        ([{"avatar_id": AVATAR, "script": "a", "video_name": "n" * 51}], "video_name"),
    ],
)
def test_create_rejections_name_the_field_and_create_nothing(
    sandbox: SandboxServer, packages: list[Any], field: str
) -> None:
    body = post(sandbox, "/creative/digital_avatar/video/task/create/", {"material_packages": packages})
    assert body["code"] == 40002 and field in body["message"]
    assert sandbox.stats()["avatar_videos_created"] == 0


def test_create_needs_json_content_type(sandbox: SandboxServer) -> None:
    reply = httpx.post(
        sandbox.tiktok_url + "/creative/digital_avatar/video/task/create/", content=b"material_packages=1", headers=H
    )
    assert reply.json()["code"] == 40002 and "Content-Type" in reply.json()["message"]


# --- /creative/digital_avatar/video/task/get/ + lifecycle + media ---------------------------------------
def test_lifecycle_success_preview_url_and_media(sandbox: SandboxServer) -> None:
    task_id = create(sandbox, video_name="my-video")
    first = get(sandbox, "/creative/digital_avatar/video/task/get/", task_ids=[task_id])["data"]["list"][0]
    assert (
        first["status"] in ("SUBMITTED", "PROCESSING") and first["avatar_video_id"] == "" and first["preview_url"] == ""
    )
    done = wait_success(sandbox, task_id)
    assert done["status"] == "SUCCESS" and done["video_name"] == "my-video" and done["avatar_video_id"]
    media = httpx.get(done["preview_url"], timeout=60)  # the first download renders it
    assert media.status_code == 200 and media.headers["content-type"] == "video/mp4" and media.content[4:8] == b"ftyp"


def test_default_video_name(sandbox: SandboxServer) -> None:
    done = wait_success(sandbox, create(sandbox))
    assert done["video_name"].startswith("project-") and len(done["video_name"]) == len("project-20231205094238-cDc")


@pytest.mark.parametrize("value", ['["1","2","3","4","5","6"]', "not-json", '{"a":1}', "[1]"])
def test_task_get_needs_a_json_array_of_at_most_5_ids(sandbox: SandboxServer, value: str) -> None:
    body = get(sandbox, "/creative/digital_avatar/video/task/get/", task_ids=value)
    assert body["code"] == 40002 and "task_ids" in body["message"]


def test_task_get_requires_task_ids(sandbox: SandboxServer) -> None:
    assert get(sandbox, "/creative/digital_avatar/video/task/get/")["code"] == 40002


def test_preview_url_expires_after_6_hours_and_forged_urls_are_refused(sandbox_factory: Any) -> None:
    clock = FakeClock(start=time.time())
    sb = sandbox_factory(clock=clock)
    created = create(sb)
    clock.advance(60)  # every task is done in 1 % of its bound
    done = wait_success(sb, created)
    url = done["preview_url"]
    assert httpx.get(url.replace("x-signature=", "x-signature=0")).status_code == 403
    assert httpx.get(url, timeout=60).status_code == 200  # the first download renders the video
    clock.advance(6 * 3600 - 60)
    assert httpx.get(url, timeout=60).status_code == 200
    clock.advance(120)
    assert httpx.get(url).status_code == 403


def test_failed_tasks_have_no_video(sandbox_factory: Any) -> None:
    sb = sandbox_factory(task_failure_rate=1.0)
    done = wait_success(sb, create(sb))
    assert done["status"] == "FAILED" and done["avatar_video_id"] == "" and done["error_msg"]


# --- /creative/digital_avatar/video/list/ + /file/video/ad/update/ ------------------------------------------
def test_video_list_shows_finished_videos_and_rename_changes_the_name(sandbox: SandboxServer) -> None:
    done = wait_success(sandbox, create(sandbox, video_name="before"))
    videos = get(sandbox, "/creative/digital_avatar/video/list/", filtering={"avatar_id": AVATAR}, page_size="100")[
        "data"
    ]
    assert [v["video_name"] for v in videos["list"]] == ["before"] and videos["page_info"]["total_number"] == 1
    assert get(sandbox, "/creative/digital_avatar/video/list/", filtering={"avatar_id": "123"})["data"]["list"] == []
    body = post(sandbox, "/file/video/ad/update/", {"avatar_video_id": done["avatar_video_id"], "file_name": "after"})
    assert body["code"] == 0
    videos = get(sandbox, "/creative/digital_avatar/video/list/")["data"]
    assert videos["list"][0]["video_name"] == "after"


def test_video_list_rejects_bad_filtering(sandbox: SandboxServer) -> None:
    assert get(sandbox, "/creative/digital_avatar/video/list/", filtering="{bad")["code"] == 40002
    assert get(sandbox, "/creative/digital_avatar/video/list/", filtering={"start_date": "2023/12/01"})["code"] == 40002


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"avatar_video_id": "1", "file_name": "x"}, "avatar_video_id"),
        ({"avatar_video_id": "1", "file_name": ""}, "file_name"),
        ({"avatar_video_id": "1", "file_name": "x" * 101}, "file_name"),
    ],
)
def test_rename_rejections(sandbox: SandboxServer, body: dict[str, str], field: str) -> None:
    reply = post(sandbox, "/file/video/ad/update/", body)
    assert reply["code"] == 40002 and field in reply["message"]


# --- Refresh Ads API --------------------------------------------------------------------------------------------
def upload(sb: SandboxServer, url: str | None = None) -> dict[str, Any]:
    return post(
        sb,
        "/file/video/ad/upload/",
        {"upload_type": "UPLOAD_BY_URL", "use_scenario": "AIGC", "video_url": url or sb.asset_url()},
    )


def test_upload_by_url_fetches_loopback_video(sandbox: SandboxServer) -> None:
    body = upload(sandbox)
    assert body["code"] == 0 and body["data"]["video_id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"upload_type": "UPLOAD_BY_FILE"}, "upload_type"),
        ({"use_scenario": "ADS"}, "use_scenario"),
        ({"video_url": "ftp://x/a.mp4"}, "video_url"),
    ],
)
def test_upload_rejections(sandbox: SandboxServer, change: dict[str, str], field: str) -> None:
    body = {"upload_type": "UPLOAD_BY_URL", "use_scenario": "AIGC", "video_url": sandbox.asset_url(), **change}
    reply = post(sandbox, "/file/video/ad/upload/", body)
    assert reply["code"] == 40002 and field in reply["message"]


def test_upload_rejects_text_and_unreachable_urls(sandbox: SandboxServer) -> None:
    assert upload(sandbox, sandbox.asset_url("page.html"))["code"] == 40012
    assert upload(sandbox, "https://cdn.example.invalid/a.mp4")["code"] == 40011  # never public
    assert upload(sandbox, "http://10.1.2.3/a.mp4")["code"] == 40011  # a private address
    assert upload(sandbox, "http://127.0.0.1:9/a.mp4")["code"] == 40011
    assert upload(sandbox, sandbox.asset_url("missing.bin"))["code"] == 40011


def refresh(sb: SandboxServer, body: dict[str, Any]) -> dict[str, Any]:
    return post(sb, "/creative/aigc/refresh_video/task/create/", body)


def test_refresh_recommended_yields_4_tasks_that_finish(sandbox: SandboxServer) -> None:
    stock = upload(sandbox)["data"]["video_id"]
    body = refresh(
        sandbox,
        {
            "video_id": stock,
            "video_refresh_strategy_list": ["SWAP_MUSIC", "ADD_HOOK"],
            "add_hook": {"hook_type": "RECOMMENDED", "product_category": "GAMES"},
        },
    )
    assert body["code"] == 0 and len(body["data"]["task_ids"]) == 4
    done = wait_success(
        sandbox, body["data"]["task_ids"][0], "/creative/aigc/video/task/list/", aigc_video_type="REFRESH_VIDEO"
    )
    assert done["status"] == "SUCCESS" and done["video_name"].startswith("refresh_video-")
    videos = get(sandbox, "/creative/aigc/video/list/", aigc_video_types=["REFRESH_VIDEO"])["data"]
    assert videos["page_info"]["total_number"] >= 1
    assert get(sandbox, "/creative/aigc/video/list/")["data"]["list"] == []  # without the type: dubbed videos only


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"video_refresh_strategy_list": ["SWAP_MUSIC"]}, "video_id"),
        ({"video_id": "nope", "video_refresh_strategy_list": ["SWAP_MUSIC"]}, "video_id"),
        (
            {"video_id": "STOCK", "video_refresh_strategy_list": ["SWAP_MUSIC", "SWAP_MUSIC"]},
            "video_refresh_strategy_list",
        ),
        ({"video_id": "STOCK", "video_refresh_strategy_list": ["ADD_MUSIC"]}, "video_refresh_strategy_list"),
        ({"video_id": "STOCK", "video_refresh_strategy_list": ["ADD_HOOK"]}, "add_hook"),
        (
            {"video_id": "STOCK", "video_refresh_strategy_list": ["ADD_HOOK"], "add_hook": {"hook_type": "EMOTIONAL"}},
            "product_category",
        ),
        (
            {
                "video_id": "STOCK",
                "video_refresh_strategy_list": ["ADD_HOOK"],
                "add_hook": {"hook_type": "HOLIDAY", "product_category": "GAMES"},
            },
            "holiday_theme",
        ),
        (
            {
                "video_id": "STOCK",
                "video_refresh_strategy_list": ["ADD_HOOK"],
                "add_hook": {"hook_type": "FUNNY", "product_category": "GAMES"},
            },
            "hook_type",
        ),
        (
            {
                "video_id": "STOCK",
                "video_refresh_strategy_list": ["ADD_HOOK"],
                "add_hook": {"hook_type": "EMOTIONAL", "product_category": "GAMES", "product_description": "x" * 3001},
            },
            "product_description",
        ),
        (
            {
                "video_id": "STOCK",
                "video_refresh_strategy_list": ["SWAP_MUSIC"],
                "add_hook": {"hook_type": "EMOTIONAL", "product_category": "GAMES"},
            },
            "add_hook",
        ),
    ],
)
def test_refresh_rejections(sandbox_factory: Any, body: dict[str, Any], field: str) -> None:
    sb = sandbox_factory()
    stock = upload(sb)["data"]["video_id"]
    body = {**body, "video_id": stock} if body.get("video_id") == "STOCK" else body
    reply = refresh(sb, body)
    assert reply["code"] == 40002 and field in reply["message"], reply
    assert sb.stats()["refresh_tasks_created"] == 0


def test_refresh_task_list_rejections(sandbox: SandboxServer) -> None:
    assert get(sandbox, "/creative/aigc/video/task/list/", aigc_video_type="REFRESH_VIDEO")["code"] == 40002
    assert get(sandbox, "/creative/aigc/video/task/list/", aigc_video_type="DUB", task_ids=["1"])["code"] == 40002
    assert get(sandbox, "/creative/aigc/video/list/", aigc_video_types=["DUB"])["code"] == 40002


# --- limits, faults, lost replies, persistence ---------------------------------------------------------------------
def test_app_qps_limit_refuses_the_11th_request_in_a_second(sandbox_factory: Any) -> None:
    sb = sandbox_factory(clock=FakeClock())  # time stands still: 11 calls share one second
    codes = [get(sb, "/creative/digital_avatar/get/")["code"] for _ in range(11)]
    assert codes[:10] == [0] * 10 and codes[10] == 40100
    assert sb.stats()["rate_limited_total"] == 1


def test_refresh_create_is_limited_to_1_qps(sandbox_factory: Any) -> None:
    sb = sandbox_factory(clock=FakeClock())  # time stands still: both calls share one second
    stock = upload(sb)["data"]["video_id"]
    body = {"video_id": stock, "video_refresh_strategy_list": ["SWAP_MUSIC"]}
    assert refresh(sb, body)["code"] == 0
    second = refresh(sb, body)
    assert second["code"] == 40100 and "per second" in second["message"]
    assert sb.stats()["refresh_tasks_created"] == 1


def test_refresh_create_is_limited_to_5_qpm(sandbox_factory: Any) -> None:
    clock = FakeClock()
    sb = sandbox_factory(clock=clock)
    stock = upload(sb)["data"]["video_id"]
    body = {"video_id": stock, "video_refresh_strategy_list": ["SWAP_MUSIC"]}
    codes = []
    for _ in range(6):
        clock.advance(1.5)  # past the per-second limit, well within the minute
        reply = refresh(sb, body)
        codes.append(reply["code"])
    assert codes == [0, 0, 0, 0, 0, 40100] and "per minute" in reply["message"]
    assert sb.stats()["refresh_tasks_created"] == 5


def test_faults_have_no_effect(sandbox_factory: Any) -> None:
    sb = sandbox_factory(fault_rate=1.0)
    reply = httpx.post(
        sb.tiktok_url + "/creative/digital_avatar/video/task/create/",
        headers=H,
        json={"material_packages": [{"avatar_id": AVATAR, "script": "Hi."}]},
    )
    assert reply.status_code in (500, 503) or reply.json()["code"] in (50000, 50002)
    assert sb.stats()["avatar_videos_created"] == 0 and sb.stats()["faults"] == 1


def test_lost_reply_drops_the_connection_but_the_create_happened(sandbox_factory: Any) -> None:
    sb = sandbox_factory(lost_reply_rate=1.0)
    with pytest.raises(httpx.TransportError):
        httpx.post(
            sb.tiktok_url + "/creative/digital_avatar/video/task/create/",
            headers=H,
            json={"material_packages": [{"avatar_id": AVATAR, "script": "Hi.", "video_name": "tagged~abc"}]},
        )
    assert sb.stats()["avatar_videos_created"] == 1


def test_state_survives_a_restart_with_a_state_file(sandbox_factory: Any, tmp_path: Any) -> None:
    state = tmp_path / "state.json"
    first = sandbox_factory(state_file=state)
    task_id = create(first)
    first.stop()
    second = sandbox_factory(state_file=state)
    tasks = get(second, "/creative/digital_avatar/video/task/get/", task_ids=[task_id])["data"]["list"]
    assert [t["task_id"] for t in tasks] == [task_id]
    assert create(second) != task_id


def test_stats_endpoint(sandbox: SandboxServer) -> None:
    get(sandbox, "/creative/digital_avatar/get/")
    stats = httpx.get(sandbox.base_url + "/_sandbox/stats").json()
    assert stats["requests"]["tiktok /creative/digital_avatar/get/"] == 1


def test_public_urls_are_served_from_the_asset_store(sandbox: SandboxServer, sandbox_factory: Any) -> None:
    body = upload(sandbox, "https://cdn.example.com/ads/boots-15s.mp4")
    assert body["code"] == 0
    assert (
        sandbox.tiktok_account.state["uploads"][body["data"]["video_id"]]["source_asset"]
        == "cdn.example.com/ads/boots-15s.mp4"
    )
    assert upload(sandbox, "https://cdn.example.com/ads/page.html")["code"] == 40012
    strict = sandbox_factory(public_urls=False)
    assert upload(strict, "https://cdn.example.com/ads/boots-15s.mp4")["code"] == 40011
