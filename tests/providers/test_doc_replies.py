"""The providers' documented example replies, replayed through the clients (not the sandbox).

Each reply below is transcribed from the provider's documentation (the api-docs pages: TikTok
Digital Avatar API, TikTok Refresh Ads API, HeyGen avatar groups, ZEGO GetDigitalHumanList), with
its placeholders (`{{task_id}}`) kept as printed, including the docs' own oddities (an empty
`avatar_video_id` while processing, `data: {}` when no refresh succeeded, `}}}` typos). Where a page
gives only a field table (HeyGen's list, TikTok's upload), the reply is built from that table. The
client and the sandbox therefore cannot share one misunderstanding of a reply's shape.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from runner.providers.config import ProviderSettings
from runner.providers.heygen import HeyGenClient
from runner.providers.tiktok import TikTokClient
from runner.providers.zego import ZegoClient
from runner.vocabulary.tasks import TaskStatus
from tests.fake_clock import FakeClock

# TikTok Digital Avatar API, "Get available digital avatars", Example (first three entries of the page).
AVATARS = """{
  "code": 0, "message": "OK", "request_id": "{{request_id}}",
  "data": {
    "page_info": {"page": 1, "total_number": 88, "total_page": 1, "page_size": 100},
    "list": [
      {"avatar_id": "7301881390801371138",
       "avatar_preview_url": "https://sf16-muse-va.ibytedtos.com/obj/ad-creative/avatar/v09033g40000clanumfog65hm1rf0pkg_video",
       "avatar_name": "Aiduo in light blue t-shirt and headset",
       "avatar_thumbnail": "https://sf16-muse-va.ibytedtos.com/obj/ad-creative/avatar/v09033g40000clanumfog65hm1rf0pkg_cover"},
      {"avatar_id": "7301881390801354754",
       "avatar_preview_url": "https://sf16-muse-va.ibytedtos.com/obj/ad-creative/avatar/v09033g40000clanui7og65kagi1pbo0_video",
       "avatar_name": "Aiduo in light blue t-shirt",
       "avatar_thumbnail": "https://sf16-muse-va.ibytedtos.com/obj/ad-creative/avatar/v09033g40000clanui7og65kagi1pbo0_cover"},
      {"avatar_id": "7295705233773068290",
       "avatar_preview_url": "https://sf16-muse-va.ibytedtos.com/obj/ad-creative/avatar/v10033g50000clooe0nog65qg0o3imug_video",
       "avatar_name": "Isabelle in light green top",
       "avatar_thumbnail": "https://sf16-muse-va.ibytedtos.com/obj/ad-creative/avatar/v10033g50000clooe0nog65qg0o3imug_cover"}
    ]
  }
}"""
# "Create digital avatar video tasks", Example.
CREATE = """{"code": 0, "message": "OK", "request_id": "{{request_id}}",
  "data": {"list": [{"package_id": "{{package_id}}", "task_id": "{{task_id}}"}]}}"""
# "Get the results of digital avatar video tasks", Examples: a successful task, a processing task.
TASK_SUCCESS = """{"code": 0, "message": "OK", "request_id": "{{request_id}}",
  "data": {"list": [{"preview_url": "{{preview_url}}", "avatar_video_id": "{{avatar_video_id}}",
                     "task_id": "{{task_id}}", "status": "SUCCESS", "video_name": "{{video_name}}"}]}}"""
TASK_PROCESSING = """{"code": 0, "message": "OK", "request_id": "{{request_id}}",
  "data": {"list": [{"video_name": "{{video_name}}", "status": "PROCESSING", "avatar_video_id": "",
                     "task_id": "{{task_id}}", "preview_url": ""}]}}"""
# "Get digital avatar videos", Example.
VIDEOS = """{"code": 0, "message": "OK", "request_id": "{{request_id}}",
  "data": {"list": [
      {"preview_url": "{{preview_url}}", "video_name": "project-20231204113044", "create_time": "2023-12-04 11:30:44",
       "avatar_video_id": "{{avatar_video_id}}", "avatar_id": "7298601195164139522",
       "video_cover_url": "http://p16-sign-sg.tiktokcdn.com/tos-alisg-p-0051c001-sg/osblBtUnEFIFCxuAcgwEb8eHNit4DBA5DfbI9Q~tplv-noop.image?x-expire=1702302005&x-signature=by9au0SjgocXScCWcMEosJxeHro%3D"},
      {"preview_url": "{{preview_url}}", "video_name": "project-20231204105508", "create_time": "2023-12-04 10:55:08",
       "avatar_video_id": "{{avatar_video_id}}", "avatar_id": "7301881390801371138",
       "video_cover_url": "http://p16-sign-va.tiktokcdn.com/tos-maliva-i-0051-us/oQmAgigNB1JfV9tBByc1Awkt0hEBITxcBtsMio~tplv-noop.image?x-expire=1702302004&x-signature=0g8oCaBrTLaLSvPo0L0jzdnfR%2BQ%3D"}],
    "page_info": {"page_size": 100, "total_number": 2, "total_page": 1, "page": 1}}}"""
# "Update the digital avatar video name", Example.
RENAME = """{"message": "OK", "code": 0, "data": {}, "request_id": "{{request_id}}"}"""
# Refresh Ads API: upload (field table: data.video_id), refresh create (Example), task list (field table).
UPLOAD = """{"code": 0, "message": "OK", "request_id": "{{request_id}}", "data": {"video_id": "{{video_id}}"}}"""
REFRESH_CREATE = (
    """{"code": 0, "message": "OK", "request_id": "{{request_id}}", "data": {"task_ids": ["{{task_id}}"]}}"""
)
REFRESH_TASKS = """{"code": 0, "message": "OK", "request_id": "{{request_id}}",
  "data": {"list": [{"task_id": "{{task_id}}", "aigc_video_type": "REFRESH_VIDEO", "status": "SUCCESS",
                     "video_name": "refresh_video-20250519063832-cDc", "video_id": "{{video_id}}",
                     "preview_url": "{{preview_url}}"}]}}"""
# "Get refreshed videos", Example (the page's `}}}` typo kept), and its note: `data` is {} when none succeeded.
REFRESH_VIDEOS = """{"code": 0, "message": "OK", "request_id": "{{request_id}}}",
  "data": {"list": [
      {"aigc_video_type": "REFRESH_VIDEO", "create_time": "{{create_time}}", "preview_url": "{{preview_url}}",
       "video_id": "{{video_id}}", "video_name": "{{video_name}}"},
      {"aigc_video_type": "REFRESH_VIDEO", "create_time": "{{create_time}}", "preview_url": "{{preview_url}}",
       "video_id": "{{video_id}}}", "video_name": "{{video_name}}"}],
    "page_info": {"page": 1, "page_size": 100, "total_number": 2, "total_page": 1}}}"""
REFRESH_VIDEOS_NONE = """{"code": 0, "message": "OK", "request_id": "{{request_id}}", "data": {}}"""
# ZEGO GetDigitalHumanList, response example.
ZEGO_LIST = """{"Code": 0, "Message": "success", "RequestId": "aa62cf9f-2797-4bd0-9cbf-e461b82d75a5",
  "Data": {"Total": 1, "DigitalHumans": [{"DigitalHumanId": "077f52b8-1513-49f8-af14-54a57dadda2e", "Name": "xxx",
           "AvatarUrl": "https://xxx.com/xxx.png", "Actions": [], "IsPublic": false}]}}"""
# HeyGen GET /v3/avatars (field table and the has_more / next_token pagination note).
HEYGEN_GROUPS = [
    """{"data": [{"id": "group_abc123", "name": "Monica", "gender": "female", "preview_image_url": null,
                              "preview_video_url": null, "looks_count": 3, "default_voice_id": null,
                              "consent_status": null, "created_at": 1717000000}],
                    "has_more": true, "next_token": "eyJsYXN0X2lkIjoiMTIzIn0"}""",
    """{"data": [{"id": "group_xyz789", "name": "Space Commander", "looks_count": 1,
                              "consent_status": null, "created_at": 1717000000}], "has_more": false, "next_token": null}""",
]

SETTINGS = ProviderSettings(
    {
        "TIKTOK_API_BASE_URL": "https://business-api.tiktok.com/open_api/v1.3",
        "TIKTOK_ACCESS_TOKEN": "tok",
        "HEYGEN_API_BASE_URL": "https://api.heygen.com",
        "HEYGEN_API_KEY": "key",
        "ZEGO_API_BASE_URL": "https://aigc-digitalhuman-api.zegotech.cn",
        "ZEGO_APP_ID": "1",
        "ZEGO_SERVER_SECRET": "s",
    }
)


def replaying(*replies: str) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(replies)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=queue.pop(0).encode(), headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handler), seen


def tiktok(*replies: str) -> tuple[TikTokClient, list[httpx.Request]]:
    transport, seen = replaying(*replies)
    return TikTokClient(SETTINGS, clock=FakeClock(), transport=transport), seen


def test_documented_examples_are_valid_json() -> None:
    for reply in (
        AVATARS,
        CREATE,
        TASK_SUCCESS,
        TASK_PROCESSING,
        VIDEOS,
        RENAME,
        UPLOAD,
        REFRESH_CREATE,
        REFRESH_TASKS,
        REFRESH_VIDEOS,
        REFRESH_VIDEOS_NONE,
        ZEGO_LIST,
        *HEYGEN_GROUPS,
    ):
        assert isinstance(json.loads(reply), dict)


def test_tiktok_avatar_catalog() -> None:
    client, seen = tiktok(AVATARS)
    avatars = client.list_avatars()
    assert [(a.id, a.name) for a in avatars][1] == ("7301881390801354754", "Aiduo in light blue t-shirt")
    assert len(avatars) == 3 and seen[0].url.path == "/open_api/v1.3/creative/digital_avatar/get/"


def test_tiktok_create_then_processing_then_success() -> None:
    client, seen = tiktok(CREATE, TASK_PROCESSING, TASK_SUCCESS)
    created = client.create_avatar_videos(
        [{"avatar_id": "7295705233773068290", "script": "Hi.", "package_id": "{{package_id}}"}]
    )
    assert [(t.task_id, t.package_id, t.error_msg) for t in created] == [("{{task_id}}", "{{package_id}}", None)]
    processing = client.get_avatar_tasks(["{{task_id}}"])[0]
    assert (processing.status, processing.video_id, processing.preview_url) == (TaskStatus.RUNNING, None, None)
    done = client.get_avatar_tasks(["{{task_id}}"])[0]
    assert (done.status, done.video_id, done.preview_url, done.video_name) == (
        TaskStatus.SUCCEEDED,
        "{{avatar_video_id}}",
        "{{preview_url}}",
        "{{video_name}}",
    )
    assert json.loads(seen[0].content)["material_packages"][0]["avatar_id"] == "7295705233773068290"


def test_tiktok_video_list_and_rename() -> None:
    client, seen = tiktok(VIDEOS, RENAME)
    videos = client.list_avatar_videos(start_date="2023-12-03", end_date="2023-12-04")
    assert [(v.video_name, v.create_time, v.avatar_id) for v in videos] == [
        ("project-20231204113044", "2023-12-04 11:30:44", "7298601195164139522"),
        ("project-20231204105508", "2023-12-04 10:55:08", "7301881390801371138"),
    ]
    assert json.loads(seen[0].url.params["filtering"]) == {"start_date": "2023-12-03", "end_date": "2023-12-04"}
    client.rename_video("{{avatar_video_id}}", "new name")
    assert json.loads(seen[1].content) == {"avatar_video_id": "{{avatar_video_id}}", "file_name": "new name"}


def test_tiktok_refresh_chain() -> None:
    client, seen = tiktok(UPLOAD, REFRESH_CREATE, REFRESH_TASKS, REFRESH_VIDEOS, REFRESH_VIDEOS_NONE)
    assert client.upload_video_by_url("https://example.com/v.mp4") == "{{video_id}}"
    assert client.create_refresh_task("{{video_id}}", ["ADD_HOOK", "SWAP_MUSIC"], {"hook_type": "RECOMMENDED"}) == [
        "{{task_id}}"
    ]
    task = client.get_refresh_tasks(["{{task_id}}"])[0]
    assert (task.status, task.video_id, task.preview_url) == (TaskStatus.SUCCEEDED, "{{video_id}}", "{{preview_url}}")
    assert [v.video_id for v in client.list_refresh_videos()] == ["{{video_id}}", "{{video_id}}}"]
    assert client.list_refresh_videos() == []  # data: {} when no refresh succeeded
    assert seen[2].url.params["aigc_video_type"] == "REFRESH_VIDEO"
    assert json.loads(seen[3].url.params["aigc_video_types"]) == ["REFRESH_VIDEO"]


def test_zego_digital_human_list() -> None:
    transport, seen = replaying(ZEGO_LIST)
    humans = ZegoClient(SETTINGS, clock=FakeClock(), transport=transport).list_digital_humans()
    assert [(h.id, h.name) for h in humans] == [("077f52b8-1513-49f8-af14-54a57dadda2e", "xxx")]
    assert seen[0].url.params["Action"] == "GetDigitalHumanList" and json.loads(seen[0].content)["Limit"] == 20


@pytest.mark.parametrize("ownership", [None, "public"])
def test_heygen_avatar_groups_follow_next_token(ownership: Any) -> None:
    transport, seen = replaying(*HEYGEN_GROUPS)
    groups = HeyGenClient(SETTINGS, clock=FakeClock(), transport=transport).list_avatar_groups(ownership)
    assert [g["id"] for g in groups] == ["group_abc123", "group_xyz789"]
    assert seen[1].url.params["token"] == "eyJsYXN0X2lkIjoiMTIzIn0" and seen[0].headers["X-Api-Key"] == "key"
    assert seen[0].url.params.get("ownership") == ownership
