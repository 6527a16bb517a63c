"""Budget guardrails in plan and validate: videos, seconds, lifetime totals, limits, money only when priced."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from runner.lock import lockfile
from runner.lock.records import JobRecord, Lockfile
from runner.plan.budget import speaking_seconds

SPEC = """\
version: 1
campaign: money
avatars:
  isabelle: {id: "7295705233773068290"}
scripts:
  s: {text: "One two three four five six seven eight nine ten, {{ product }}."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [s]
    matrix: {product: [A, B, C]}
refresh:
  - id: hooks
    source: {url: "https://cdn.example.com/ad.mp4"}
    strategies: [ADD_HOOK]
    hook: {type: RECOMMENDED, product_category: CLOTHING_AND_ACCESSORIES}
"""


def _campaign(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner", *args], capture_output=True, text=True, timeout=60)


def test_plan_shows_quota_and_stops_over_the_per_apply_limit(write_spec: Callable[[str], Path]) -> None:
    spec = write_spec(SPEC + "budget: {max_new_videos: 6}\n")
    over = _campaign("plan", str(spec))
    assert over.returncode == 1 and over.stderr.count("\n") == 1
    assert "7 new videos in this apply, more than max_new_videos = 6 set by budget.max_new_videos (" in over.stderr
    assert (
        "Quota: +7 videos" in over.stdout and "OVER BUDGET" in over.stdout
    )  # 3 avatar videos + a RECOMMENDED hook's 4
    ok = _campaign("plan", str(spec), "--max-videos", "7", "--format", "json")
    data = json.loads(ok.stdout)
    assert ok.returncode == 0 and data["budget"]["new_videos"] == 7
    assert data["budget"]["limits"] == [
        {"name": "max_new_videos", "value": 7, "origin": "--max-videos", "used": 7, "over": False, "near": True}
    ]
    assert "past warn_at 0.8" in " ".join(data["warnings"])
    assert "cost" not in data["budget"]  # no price set: no money shown
    sampled = _campaign("plan", str(spec), "--target", "promo", "--sample", "2")
    assert sampled.returncode == 0 and "Quota: +2 videos" in sampled.stdout


def test_lifetime_limit_counts_the_lockfile_and_prices_give_money(write_spec: Callable[[str], Path]) -> None:
    spec = write_spec(
        SPEC.replace("[A, B, C]", "[A]")
        + "budget: {max_videos: 10, prices: {per_video: 2.5, per_second: 0.1, currency: EUR}}\n"
    )
    lock = Lockfile(campaign="money")
    for i in range(6):
        lock = lock.with_job(
            f"av-{i:016x}",
            JobRecord(
                kind="avatar_video",
                provider="tiktok",
                state="succeeded",
                addresses=(f"videos.old[{i}]",),
                video_ids=(f"v{i}",),
            ),
        )
    lockfile.write(spec.with_name("c.lock.yaml"), lock)
    result = _campaign("plan", str(spec), "--format", "json")
    assert result.returncode == 1 and "11 videos over the campaign's life, more than max_videos = 10" in result.stderr
    data = json.loads(_campaign("plan", str(spec), "--format", "json", "--exclude", "promo").stdout)
    seconds = data["budget"]["new_script_seconds"]
    assert seconds == 0 and data["budget"]["lifetime_videos"] == 6 + 4 and data["budget"]["recorded_videos"] == 6
    assert data["budget"]["cost"] == {"amount": 10.0, "currency": "EUR"}
    text = _campaign("plan", str(spec), "--exclude", "hooks", "--exclude", "promo").stdout
    assert "estimated cost 0.00 EUR" in text


def test_validate_prints_the_videos_a_file_implies(write_spec: Callable[[str], Path]) -> None:
    values = ", ".join(f"p{i}" for i in range(300))
    spec = write_spec(SPEC.replace("[A, B, C]", f"[{values}]"))
    result = _campaign("validate", str(spec))
    assert result.returncode == 0 and "304 videos to generate in all" in result.stdout
    limited = write_spec(SPEC.replace("[A, B, C]", f"[{values}]") + "budget:\n  max_videos: 100\n", name="l.yaml")
    result = _campaign("validate", str(limited))
    assert (
        result.returncode == 1
        and "l.yaml:18:3: at budget.max_videos: the campaign implies 304 videos, more than max_videos = 100"
        in result.stderr
    )


def test_speaking_seconds() -> None:
    assert speaking_seconds("one two three four five") == 2.0
    assert speaking_seconds("日本語のスクリプトです。" * 5) == 4.0
