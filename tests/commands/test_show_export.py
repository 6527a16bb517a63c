"""`campaign show PLAN` and `campaign export SPEC`, run as the console script would be."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from runner.lock import lockfile
from runner.lock.records import Artifact, JobRecord
from runner.plan.make import make_plan

PROJECT_DIR = Path(__file__).resolve().parents[2]
SPEC = """\
version: 1
campaign: ship
avatars:
  isabelle: {id: "7295705233773068290"}
  tom: {id: "7301881390801354754"}
scripts:
  s: {text: "The {{ product }} in size {{ size }} is here."}
videos:
  - id: promo
    avatars: [isabelle, tom]
    scripts: [s]
    matrix: {product: [Trail Boot, "=HYPERLINK(1)"], size: [40, "41"]}
    name: "{{ avatar }}-{{ size }}"
refresh:
  - id: music
    source: {from: promo, where: {avatar: tom}}
    strategies: [SWAP_MUSIC]
"""


def _campaign(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner", *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def test_show_prints_a_saved_plan_in_every_format(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC)
    plan = tmp_path / "p.plan"
    made = _campaign("plan", str(spec), "--out", str(plan), "--target", "promo[avatar=tom]")
    assert made.returncode == 0, made.stderr
    text = _campaign("show", str(plan))
    assert text.returncode == 0 and text.stdout == made.stdout
    assert text.stdout.startswith("Partial plan (--target promo[avatar=tom])")
    as_json = json.loads(_campaign("show", str(plan), "--format", "json").stdout)
    assert as_json == json.loads(plan.read_text()) and as_json["selection"]["targets"] == ["promo[avatar=tom]"]
    markdown = _campaign("show", str(plan), "--format", "markdown", "--sandbox")
    assert (
        markdown.returncode == 0
        and markdown.stdout.startswith("### campaign `ship`")
        and "Partial plan" in markdown.stdout
    )
    missing = _campaign("show", str(tmp_path / "nope.plan"))
    assert missing.returncode == 1 and "no such plan file" in missing.stderr
    data = json.loads(plan.read_text())
    data["changes"] = [{"action": "create"}]
    plan.write_text(json.dumps(data))
    damaged = _campaign("show", str(plan))
    assert damaged.returncode == 1 and "damaged plan file" in damaged.stderr and "Traceback" not in damaged.stderr


def test_export_writes_one_row_per_video_with_ids_state_and_file(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC)
    planned = make_plan(spec)
    lock = planned.lock
    for key, job in planned.graph.jobs.items():
        if "avatar=isabelle" in job.addresses[0] and "size=40" in job.addresses[0] and "Trail" in job.addresses[0]:
            lock = lock.with_job(
                key,
                JobRecord(
                    kind=job.kind,
                    provider=job.provider,
                    state="succeeded",
                    addresses=job.addresses,
                    name=job.name,
                    video_name=f"{job.name}~tag",
                    task_ids=("t1",),
                    video_ids=("v1",),
                    artifacts=(Artifact("v1", "artifacts/ship/v1.mp4", "0" * 64, 10),),
                ),
            )
    lockfile.write(spec.with_name("c.lock.yaml"), lock)
    result = _campaign("export", str(spec), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 8 + 4  # 2 avatars x 2 products x 2 sizes, and tom's 4 refreshed
    first = rows[0]
    assert first["address"] == "videos.promo[avatar=isabelle,script=s,product=Trail Boot,size=40]"
    assert (first["state"], first["video_id"], first["task_ids"], first["artifact"]) == (
        "succeeded",
        "v1",
        "t1",
        "artifacts/ship/v1.mp4",
    )
    assert first["axes"] == 'avatar=isabelle;script=s;product="Trail Boot";size=40' and rows[1]["axes"].endswith(
        'size="41"'
    )
    assert all(r["state"] == "planned" for r in rows[1:]) and rows[-1]["kind"] == "refresh_video"
    assert not any(cell.startswith("=") for r in rows for cell in r.values())  # no formula reaches a spreadsheet
    as_json = json.loads(_campaign("export", str(spec), "--format", "json").stdout)
    assert as_json[0]["axes"] == {"avatar": "isabelle", "script": "s", "product": "Trail Boot", "size": 40}
    assert as_json[1]["axes"]["size"] == "41"
    out = tmp_path / "rows.csv"
    written = _campaign("export", str(spec), "--out", str(out))
    assert written.returncode == 0 and out.read_text() == result.stdout
    bad = _campaign("export", str(spec), "--out", str(tmp_path / "no" / "dir.csv"))
    assert bad.returncode == 1 and "cannot write the export" in bad.stderr
