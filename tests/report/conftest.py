"""A campaign whose lockfile holds every state a gallery shows, with real MP4s made by ffmpeg."""

from __future__ import annotations

import subprocess
import sys
import types
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from runner.lock import lockfile
from runner.lock.records import Artifact, JobError, JobRecord, Lockfile
from runner.media.probe import ffmpeg_exe
from runner.plan.make import make_plan

SPEC = """\
version: 1
campaign: gallery
vars: {brand: Northwind Boots}
avatars:
  isabelle: {id: "7295705233773068290"}
  aiduo: {id: "7301881390801354754"}
scripts:
  teaser: {text: "{{ brand }}: \\"30% off\\" & free returns on the {{ product }}."}
  story: {text: "Tom's story: the {{ product }} kept his feet dry."}
videos:
  - id: promo
    avatars: [isabelle, aiduo]
    scripts: [teaser, story]
    matrix: {product: [Trail Boot, City Boot]}
    name: "{{ avatar }}-{{ script }}-{{ product | slug }}"
refresh:
  - id: music
    source: {from: promo, where: {avatar: isabelle, script: teaser}}
    strategies: [SWAP_MUSIC]
    name: "music-{{ product | slug }}"
"""


def make_mp4(target: Path, seconds: float, color: str) -> None:
    """A small H.264 9:16 MP4 with a tone, made with the bundled ffmpeg."""
    subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"color=c={color}:s=90x160:r=10:d={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(target),
        ],
        check=True,
    )


def build_gallery_campaign(folder: Path) -> types.SimpleNamespace:
    """Write the spec, real videos and a lockfile: 1 failed, 1 never applied, 1 rendering, the rest done."""
    spec = folder / "gallery.yaml"
    spec.write_text(SPEC)
    planned = make_plan(spec)
    jobs = {c.key: c.job for c in planned.plan.changes if c.job is not None}
    avatar_keys = [k for k, j in jobs.items() if j.kind == "avatar_video"]
    refresh_keys = [k for k, j in jobs.items() if j.kind == "refresh_video"]
    failed_key, planned_key = avatar_keys[1], avatar_keys[-1]
    submitted_key = refresh_keys[-1]
    artifacts = folder / "artifacts" / "gallery"
    artifacts.mkdir(parents=True)
    records: dict[str, JobRecord] = {}
    colors = ["navy", "teal", "maroon", "olive", "purple", "gray", "green", "orange"]
    for number, (key, job) in enumerate(jobs.items()):
        if key == planned_key:
            continue
        base = JobRecord(
            kind=job.kind,
            provider=job.provider,
            state="succeeded",
            addresses=job.addresses,
            name=job.name,
            depends_on=job.depends_on,
            task_ids=(f"74{number:017d}",),
            attempts=1,
        )
        if job.kind == "upload":
            records[key] = replace(base, task_ids=(), stock_video_id=f"v10033g50000{number:08d}")
        elif key == failed_key:
            records[key] = replace(
                base,
                state="failed",
                error=JobError("post_render_check", 'no video track <in the file> & "nothing" to play'),
            )
        elif key == submitted_key:
            records[key] = replace(base, state="submitted")
        else:
            video_id = f"75{number:017d}"
            target = artifacts / f"{key}-{video_id}.mp4"
            make_mp4(target, 2 + number % 3, colors[number % len(colors)])
            records[key] = replace(
                base,
                video_ids=(video_id,),
                artifacts=(Artifact(video_id, f"artifacts/gallery/{target.name}", "0" * 64, target.stat().st_size),),
            )
    lockfile.write(folder / "gallery.lock.yaml", Lockfile(campaign="gallery", jobs=records))
    shown = [k for k, j in jobs.items() if j.kind != "upload"]
    return types.SimpleNamespace(
        spec=spec,
        folder=folder,
        shown=shown,
        failed=failed_key,
        planned=planned_key,
        submitted=submitted_key,
        playable=[k for k in shown if k not in (failed_key, planned_key, submitted_key)],
    )


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `campaign` as a real process."""
    return subprocess.run([sys.executable, "-m", "runner", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def gallery_campaign(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The campaign above in its own folder (built once per module)."""
    return build_gallery_campaign(tmp_path_factory.mktemp("gallery"))


@pytest.fixture
def cli() -> Any:
    """`cli(*args)`: the CLI as a real process (conftest modules cannot be imported under importlib mode)."""
    return run_cli
