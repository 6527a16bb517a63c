"""Post-render checks inside apply: a sandbox that renders 1-second videos, served and downloaded over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from runner.cli import cli
from runner.lock import lockfile
from runner.sandbox import video

SPEC = """\
version: 1
campaign: checks
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
"""


def test_a_too_short_refresh_source_fails_its_job_and_is_replaced_next_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_factory: Any
) -> None:
    real_seconds = video.spoken_seconds
    monkeypatch.setattr(video, "spoken_seconds", lambda script: 1.0)  # below the refresh minimum of 2 s
    spec = tmp_path / "checks.yaml"
    spec.write_text(SPEC)
    runner = CliRunner()
    sandbox = sandbox_factory(video_cache=tmp_path / "cache")  # its own cache: these 1 s videos stay here
    applied = runner.invoke(cli, ["apply", str(spec), "--yes", "--accept-notices"], env=sandbox.env())
    assert applied.exit_code == 1, applied.output
    lock = lockfile.read(tmp_path / "checks.lock.yaml", "checks")
    by_name = {r.name: r for r in lock.jobs.values() if r.kind == "avatar_video"}
    teaser, story = by_name["teaser"], by_name["story"]
    assert story.state == "succeeded" and story.error is None  # 1 s is a fine video on its own
    assert teaser.state == "failed" and teaser.error is not None
    assert teaser.error.code == "post_render_check"
    assert "lasts 1.0 s; a refresh source must last 2-180 s" in teaser.error.message
    assert teaser.video_ids and teaser.artifacts  # the paid video's id and file are kept
    assert "post_render_check" in applied.output
    planned = runner.invoke(cli, ["plan", str(spec)])
    assert planned.exit_code == 0, planned.output
    replace_lines = [line for line in planned.output.splitlines() if line.strip().startswith("-/+")]
    assert len(replace_lines) == 1 and teaser.name in replace_lines[0]
    report = runner.invoke(cli, ["report", str(spec), "--out", str(tmp_path / "gallery")])
    assert report.exit_code == 0, report.output
    assert "failed: post_render_check: video" in (tmp_path / "gallery" / "index.html").read_text()

    # The next apply makes it again, and keeps the rejected video's ids.
    monkeypatch.setattr(video, "spoken_seconds", real_seconds)
    again = runner.invoke(cli, ["apply", str(spec), "--yes", "--accept-notices"], env=sandbox.env())
    assert again.exit_code == 0, again.output
    remade = next(r for r in lockfile.read(tmp_path / "checks.lock.yaml", "checks").jobs.values() if r.name == "teaser")
    assert remade.state == "succeeded" and remade.video_ids != teaser.video_ids
    assert remade.replaced is not None and list(remade.replaced["video_ids"]) == list(teaser.video_ids)
