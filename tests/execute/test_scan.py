"""The stale-lockfile scan reads the account's video list only until every tag it looks for is found."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from runner.execute.scan import DEFAULT_SCAN_PAGES, cut_warning, scan, scan_pages
from runner.providers.models import Page, VideoInfo
from runner.sandbox.server import SandboxServer

LIST = "tiktok /creative/digital_avatar/video/list/"
AVATAR = "7295705233773068290"


def _pages(total: int, asked: list[int]) -> Iterator[Page[VideoInfo]]:
    for number in range(1, total + 1):
        asked.append(number)
        yield Page((VideoInfo(f"{number}", f"video-{number}", "", None),), number, total)


def test_the_scan_stops_at_the_page_that_completes_it() -> None:
    asked: list[int] = []
    result = scan(_pages(5, asked), lambda videos: any(v.video_name == "video-2" for v in videos), 50)
    assert asked == [1, 2] and not result.cut and len(result.videos) == 2


def test_the_scan_reads_to_the_end_of_a_short_list() -> None:
    asked: list[int] = []
    result = scan(_pages(3, asked), lambda videos: False, 50)
    assert asked == [1, 2, 3] and not result.cut


def test_the_scan_stops_at_its_bound_and_says_what_it_missed() -> None:
    asked: list[int] = []
    result = scan(_pages(9, asked), lambda videos: False, 4)
    assert asked == [1, 2, 3, 4] and result.cut and (result.pages, result.total_pages) == (4, 9)
    warning = cut_warning(result, 2)
    assert "after 4 pages of 9" in warning and "2 videos of this campaign not found" in warning
    assert "CAMPAIGN_SCAN_PAGES" in warning


def test_the_bound_is_a_setting() -> None:
    assert scan_pages({}) == DEFAULT_SCAN_PAGES
    assert scan_pages({"CAMPAIGN_SCAN_PAGES": "3"}) == 3


def _unrelated_videos(sb: SandboxServer, count: int, age: Callable[[int], float] = lambda n: 3600.0 - n) -> None:
    """Videos of other campaigns, video n made `age(n)` seconds ago (by default an hour before anything else)."""
    account = sb.tiktok_account
    with sb.world.lock:
        now = sb.world.clock.time()
        for n in range(count):
            task = {
                "task_id": account.next_id(7_400_000_000_000_000_000),
                "video_id": account.next_id(7_500_000_000_000_000_000),
                "avatar_id": AVATAR,
                "script": f"Another campaign's video {n}.",
                "video_name": f"other-{n}~{n:010x}",
                "package_id": None,
                "created": now - age(n),
                "duration": 1.0,
                "fails": False,
            }
            account.state["avatar_tasks"][task["task_id"]] = task
            account.by_video[task["video_id"]] = task


SPEC = f"""version: 1
campaign: scan
avatars:
  a: {{id: "{AVATAR}"}}
scripts:
  s0: {{text: "First words."}}
  s1: {{text: "Second words."}}
videos:
  - id: promo
    avatars: [a]
    scripts: [s0, s1]
apply: {{download: false}}
"""
REFRESH = """refresh:
  - id: music
    source: {from: promo, where: {script: s0}}
    strategies: [SWAP_MUSIC]
"""


def _apply(spec: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "runner", "apply", str(spec), "--yes", "--accept-notices", *extra]
    return subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, timeout=180)


def _made_then_lost(sandbox_factory: Any, tmp_path: Path) -> tuple[SandboxServer, Path]:
    """A sandbox whose account has 5 pages of other videos and, newest, this campaign's two; no lockfile."""
    sb: SandboxServer = sandbox_factory()
    _unrelated_videos(sb, 450)
    spec = tmp_path / "scan.yaml"
    spec.write_text(SPEC)
    first = _apply(spec, sb.env())
    assert first.returncode == 0, first.stderr
    (tmp_path / "scan.lock.yaml").unlink()  # a clone without the lockfile
    sb.reset_stats()
    return sb, spec


def test_a_stale_lockfile_scan_asks_one_page_and_is_counted(sandbox_factory: Any, tmp_path: Path) -> None:
    sb, spec = _made_then_lost(sandbox_factory, tmp_path)
    spec.write_text(SPEC + REFRESH)  # something to make, so that apply runs and prints its summary
    applied = _apply(spec, sb.env())
    assert applied.returncode == 0, applied.stderr
    assert "looking in the account for 2 videos about to be paid for" in applied.stderr
    assert applied.stderr.count("adopted videos.promo") == 2
    stats = sb.stats()
    # The account lists 5 pages; both tags are on the first: one page for the scan, one for the upload's URL.
    assert stats["requests"].get(LIST) == 2
    assert stats["avatar_videos_created"] == 0
    counted = re.search(r"generated, (\d+) requests", applied.stdout)
    assert counted is not None and int(counted[1]) == stats["requests_total"]


def test_a_scan_that_hits_its_bound_warns(sandbox_factory: Any, tmp_path: Path) -> None:
    sb, spec = _made_then_lost(sandbox_factory, tmp_path)
    spec.write_text(
        SPEC.replace("scripts: [s0, s1]", "scripts: [s0, s1, s2]").replace(
            "videos:", '  s2: {text: "Third words."}\nvideos:'
        )
    )
    applied = _apply(spec, {**sb.env(), "CAMPAIGN_SCAN_PAGES": "2"})
    assert applied.returncode == 0, applied.stderr
    assert sb.stats()["requests"].get(LIST) == 2
    assert "the account scan stopped after 2 pages of 5" in applied.stderr
    assert "1 video of this campaign not found" in applied.stderr
    assert sb.stats()["avatar_videos_created"] == 1  # the third script's video, which the account never had


def test_a_lost_create_is_looked_for_among_recent_videos_only(sandbox_factory: Any, tmp_path: Path) -> None:
    """An account with years of videos of the avatar: the look lists from the day before the create, one page."""
    sb: SandboxServer = sandbox_factory(lost_reply_rate=1.0)
    _unrelated_videos(sb, 450, age=lambda n: 86_400.0 * (3 + n % 398))  # 3 to 400 days old: 5 pages of the list
    spec = tmp_path / "scan.yaml"
    spec.write_text(SPEC)
    applied = _apply(spec, sb.env())
    assert applied.returncode == 0, applied.stderr
    assert sb.world.events["lost_replies"] == 1 and sb.stats()["avatar_videos_created"] == 2
    assert applied.stderr.count("adopted") >= 2
    # 5 pages for the look-up before the create (videos another clone made: any day), then 1 page a look for the
    # lost create (at most 2 looks) instead of all 5 pages again
    assert sb.stats()["requests"][LIST] <= 7, f"{sb.stats()['requests'][LIST]} listing pages"
