"""Every campaign in campaigns/ applies in the sandbox, public source URLs included, and leaves playable videos."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from runner.media.probe import probe_video

PROJECT = Path(__file__).resolve().parents[2]
# Refresh creates are limited to 5 a minute on the real clock: holiday-refresh's seventh would wait a
# minute. Leaving out one of its two `from:` refresh groups keeps every kind of source under that budget.
# A digital twin waits for its subject, whom no test plays here, and spring-launch's cells wait for
# legal's and brand's approval: apply does all it can and exits 4.
WAITS_ON_CONSENT = {"founder-twin.yaml": 4, "spring-launch.yaml": 4}
WITHIN_ONE_MINUTE = {"holiday-refresh.yaml": ["--exclude", "gift-music"]}


def test_every_bundled_campaign_applies_with_sandbox(tmp_path: Path) -> None:
    shutil.copytree(PROJECT / "campaigns", tmp_path / "campaigns", ignore=shutil.ignore_patterns("*.lock.yaml"))
    shutil.copytree(PROJECT / "templates", tmp_path / "templates")
    specs = sorted((tmp_path / "campaigns").glob("*.yaml"))
    assert len(specs) >= 3
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    runs = {
        spec.name: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "runner",
                "apply",
                str(spec),
                "--sandbox",
                "--yes",
                "--accept-notices",
                *WITHIN_ONE_MINUTE.get(spec.name, []),
            ],
            cwd=tmp_path,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for spec in specs
    }
    for name, run in runs.items():
        out, err = run.communicate(timeout=300)
        expected = WAITS_ON_CONSENT.get(name, 0)
        assert run.returncode == expected, f"{name}: {out[-600:]} {err[-600:]}"
        finished = "Nothing apply may make now" if name == "spring-launch.yaml" else "0 failed"  # all await approval
        assert finished in out and "Traceback" not in err
    videos = sorted(tmp_path.glob("**/artifacts/**/*.mp4"))
    refreshed_public_source = [v for v in videos if "holiday-refresh" in str(v) and v.name.startswith("rf-")]
    assert refreshed_public_source, "the refresh of the public source URL left no video"
    for video in videos[:3] + refreshed_public_source[:1]:
        probe = probe_video(video)
        assert probe.video_streams == 1 and probe.duration_seconds >= 2.0
