"""A digital twin in the plan, gallery, export and summary: a look to render with, never a video job or a raw mapping."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from runner.lock import lockfile
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

SPEC = """\
version: 1
campaign: founder
provider: heygen
avatars:
  founder:
    twin:
      name: "Dana (founder)"
      footage: {file: footage/dana.mp4}
scripts:
  hello: {text: "Hi, I'm Dana. Our boots keep you dry."}
  offer: {text: "This week only: 30% off every winter boot."}
videos:
  - id: promo
    avatars: [founder]
    scripts: [hello, offer]
    voice: en-US-dana
"""


def _campaign(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str], str]]:
    """A twin whose subject approved and whose training ended; the output of the apply that rendered its videos."""
    folder = tmp_path_factory.mktemp("twin")
    (folder / "founder.yaml").write_text(SPEC)
    (folder / "footage").mkdir()
    (folder / "footage" / "dana.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096)
    with SandboxServer(SandboxConfig(speed=0.002, seed=5)) as server:
        env = server.env()
        first = _campaign(env, "apply", str(folder / "founder.yaml"), "--yes", "--accept-notices", "--no-report")
        assert first.returncode == 4, first.stderr
        url = re.search(r"must approve at (\S+)", first.stderr)
        assert url is not None
        assert httpx.post(url.group(1), data={"decision": "approve"}).status_code == 200
        refreshed = _campaign(env, "status", str(folder / "founder.yaml"), "--refresh")
        for _ in range(50):
            if "succeeded  ha-" in refreshed.stdout:
                break
            refreshed = _campaign(env, "status", str(folder / "founder.yaml"), "--refresh")
        assert "succeeded  ha-" in refreshed.stdout, refreshed.stdout + refreshed.stderr
        plan = _campaign(env, "plan", str(folder / "founder.yaml"))
        second = _campaign(env, "apply", str(folder / "founder.yaml"), "--yes", "--accept-notices")
        assert second.returncode == 0, second.stderr
        yield folder, env, plan.stdout


def _look(folder: Path) -> str:
    twin = next(r for r in lockfile.read(folder / "founder.lock.yaml", "founder").jobs.values() if r.twin)
    assert twin.twin is not None
    return str(twin.twin["look_id"])


def test_the_plan_after_training_names_the_look(trained: tuple[Path, dict[str, str], str]) -> None:
    folder, _, plan = trained
    assert "look id known after apply" not in plan
    assert plan.count(f"look {_look(folder)}") == 2


def test_the_gallery_counts_videos_and_twins_apart_and_shows_the_look(
    trained: tuple[Path, dict[str, str], str],
) -> None:
    folder, _, _ = trained
    page = (folder / "artifacts" / "founder" / "index.html").read_text(encoding="utf-8")
    assert "2 video jobs and 1 digital twin:" in page
    assert "{&#39;job&#39;" not in page and "{'job'" not in page
    assert page.count(f"<code>look {_look(folder)}</code>") == 2
    twin_card = page.split('data-key="ha-')[1].split("</article>")[0]
    assert "no video yet" not in twin_card and 'class="players"' not in twin_card


def test_the_export_has_one_row_per_video_and_none_for_the_twin(trained: tuple[Path, dict[str, str], str]) -> None:
    folder, env, _ = trained
    result = _campaign(env, "export", str(folder / "founder.yaml"), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.returncode == 0 and len(rows) == 2
    assert {row["kind"] for row in rows} == {"heygen_video"} and all(row["video_id"] for row in rows)


def test_status_gallery_and_import_follow_the_file_order(trained: tuple[Path, dict[str, str], str]) -> None:
    folder, env, _ = trained
    spec = folder / "founder.yaml"
    status = _campaign(env, "status", str(spec)).stdout.splitlines()
    kinds = [line.split()[2] for line in status if line.startswith("succeeded")]
    assert kinds == ["heygen_avatar", "heygen_video", "heygen_video"]
    records = lockfile.read(folder / "founder.lock.yaml", "founder").jobs
    hello, offer = (next(k for k, r in records.items() if r.name == f"promo-founder-{s}") for s in ("hello", "offer"))
    assert status[1].split()[1] == hello and status[2].split()[1] == offer  # the file's order, not the keys'
    page = (folder / "artifacts" / "founder" / "index.html").read_text(encoding="utf-8")
    assert page.index(f'data-key="{hello}"') < page.index(f'data-key="{offer}"')
    lock = folder / "founder.lock.yaml"
    kept = lock.rename(folder / "kept.lock.yaml")
    try:
        found = _campaign(env, "import", str(spec))
    finally:
        kept.rename(lock)
    imports = [line for line in found.stdout.splitlines() if line.startswith("  + import")]
    assert len(imports) == 2, found.stdout + found.stderr
    assert "script=hello" in imports[0] and "script=offer" in imports[1]
