"""`campaign spend`: the ledger after failures, a re-make after a failed post-render check and an adopted create."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from runner.campaignfile.model import Prices
from runner.cli import cli
from runner.lock import lockfile
from runner.lock.records import JobError, JobRecord, Lockfile
from runner.plan.spend import ledger_rows
from runner.sandbox import video

SPEC = """\
version: 1
campaign: ledger
avatars:
  isabelle: {id: "7295705233773068290"}
scripts:
  teaser: {text: "Warm boots."}
  story: {text: "Dry feet."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [teaser, story]
    name: "{{ script }}"
refresh:
  - id: music
    source: {from: promo, where: {script: teaser}}
    strategies: [SWAP_MUSIC]
budget: {prices: {per_video: 2, currency: EUR}}
apply: {max_retries: 3}
"""
EXTRA = SPEC.replace("scripts: [teaser, story]", "scripts: [teaser, story, extra]").replace(
    '  story: {text: "Dry feet."}\n', '  story: {text: "Dry feet."}\n  extra: {text: "Ten colours."}\n'
)


def _apply(runner: CliRunner, spec: Path, env: dict[str, str]) -> Any:
    return runner.invoke(cli, ["apply", str(spec), "--yes", "--accept-notices"], env=env)


def test_spend_lists_failed_remade_and_adopted_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_factory: Any
) -> None:
    spec, lock_path = tmp_path / "ledger.yaml", tmp_path / "ledger.lock.yaml"
    spec.write_text(SPEC)
    runner = CliRunner()
    sandbox = sandbox_factory(video_cache=tmp_path / "cache", task_failure_rate=1.0)
    assert _apply(runner, spec, sandbox.env()).exit_code == 1  # every render fails
    sandbox.world.config = dataclasses.replace(sandbox.world.config, task_failure_rate=0.0)
    real_seconds = video.spoken_seconds
    monkeypatch.setattr(video, "spoken_seconds", lambda script: 1.0)  # too short to feed the refresh
    assert _apply(runner, spec, sandbox.env()).exit_code == 1  # the retry: the teaser fails its check
    monkeypatch.setattr(video, "spoken_seconds", real_seconds)
    third = _apply(runner, spec, sandbox.env())
    assert third.exit_code == 0, third.output  # the teaser is made again
    kept = tmp_path / "kept.lock.yaml"
    shutil.copy(lock_path, kept)
    spec.write_text(EXTRA)
    assert _apply(runner, spec, sandbox.env()).exit_code == 0
    shutil.copy(kept, lock_path)  # a checkout older than the last apply: the extra video is found by its tag
    adopted = _apply(runner, spec, sandbox.env())
    assert adopted.exit_code == 0 and "carries its tag" in adopted.output, adopted.output

    result = runner.invoke(cli, ["spend", str(spec), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rows = {
        row["address"].split("script=")[1].rstrip("]"): row for row in data["jobs"] if row["kind"] == "avatar_video"
    }
    assert (rows["story"]["creates"], rows["story"]["failed"], rows["story"]["remade"]) == (2, 1, 0)
    assert (rows["teaser"]["creates"], rows["teaser"]["failed"], rows["teaser"]["remade"]) == (3, 1, 1)
    assert (rows["extra"]["creates"], rows["extra"]["adopted"], rows["extra"]["failed"]) == (1, 1, 0)
    assert rows["teaser"]["charged"] == 3 and rows["teaser"]["money"] == 6.0  # TikTok does not document it: counted
    assert data["providers"]["tiktok"]["charges_failed_renders"] is None
    assert data["plan"]["new_videos"] == 0 and data["currency"] == "EUR"
    text = runner.invoke(cli, ["spend", str(spec)])
    assert "1 failed (not documented: counted as charged)" not in text.output  # totals, not one job
    assert "tiktok: 7 created, 2 failed (not documented: counted as charged), 1 re-made, 1 adopted" in text.output
    table = list(csv.DictReader(io.StringIO(runner.invoke(cli, ["spend", str(spec), "--format", "csv"]).output)))
    assert len(table) == 4 and {row["kind"] for row in table} == {"avatar_video", "refresh_video"}
    assert lockfile.read(lock_path, "ledger").jobs  # spend reads; it never writes


def test_a_provider_that_does_not_charge_failed_renders_leaves_them_out() -> None:
    failed_twice = JobRecord(
        kind="heygen_video",
        provider="heygen",
        state="succeeded",  # type: ignore[arg-type]
        addresses=("videos.promo[avatar=a,script=s]",),
        attempts=3,
        request={"script": "Hello there."},
        spend={"failed": 2},
        error=None,
    )
    never = dataclasses.replace(failed_twice, provider="tiktok", kind="avatar_video", spend={"failed": 2})
    rows = ledger_rows(Lockfile("c", {"hv-0000000000000001": failed_twice, "av-0000000000000001": never}), Prices(1.0))
    by_provider = {row.provider: row for row in rows}
    assert by_provider["heygen"].charged == 1 and by_provider["heygen"].money == 1.0
    assert by_provider["tiktok"].charged == 3
    assert JobError("x", "y")  # the record type keeps the provider's words
