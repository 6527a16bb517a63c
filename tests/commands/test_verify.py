"""The README's demo applied in the sandbox: every video signed, playable, and checked by `campaign verify`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import c2pa

from runner.lock import lockfile
from runner.media.probe import ffmpeg_exe
from runner.provenance.manifest import ASSERTION, SOURCE_TYPE

PROJECT_DIR = Path(__file__).resolve().parents[2]


def campaign(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "HEYGEN_", "ZEGO_", "CAMPAIGN_C2PA"))}
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def manifest_of(path: Path) -> tuple[dict[str, object], list[str]]:
    with c2pa.Reader(str(path)) as reader:
        store = json.loads(reader.json())
    active = store["manifests"][store["active_manifest"]]
    failures = [f["code"] for f in store["validation_results"]["activeManifest"].get("failure", [])]
    return {a["label"]: a["data"] for a in active["assertions"]}, failures


def test_apply_signs_every_video_and_verify_flags_changed_files(tmp_path: Path) -> None:
    # without what the README's demo leaves in a checkout (its sandbox lockfile, downloads and account)
    left = shutil.ignore_patterns("*.sandbox.lock.yaml", "artifacts", ".campaign")
    shutil.copytree(PROJECT_DIR / "campaigns", tmp_path / "campaigns", ignore=left)
    shutil.copytree(PROJECT_DIR / "templates", tmp_path / "templates")
    applied = campaign("apply", "campaigns/demo.yaml", "--sandbox", "--yes", "--accept-notices", cwd=tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert "Signed 7 videos with content credentials (the sandbox's throwaway CA)." in applied.stderr
    lock = lockfile.read(tmp_path / "campaigns" / "demo.sandbox.lock.yaml", "demo")
    files = {key: a for key, record in lock.jobs.items() for a in record.artifacts}
    assert len(files) == 7
    for key, artifact in files.items():
        path = tmp_path / "campaigns" / artifact.path
        assertions, failures = manifest_of(path)
        assert failures == ["signingCredential.untrusted"]  # valid, but for the throwaway CA
        assert assertions["c2pa.actions.v2"]["actions"][0]["digitalSourceType"] == SOURCE_TYPE  # type: ignore[index]
        assert assertions[ASSERTION]["job_key"] == key  # type: ignore[index]
        assert path.stat().st_size == artifact.size  # the lockfile records the signed file
        decoded = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True)
        assert decoded.returncode == 0 and decoded.stderr == b""  # still plays from end to end

    again = campaign("apply", "campaigns/demo.yaml", "--sandbox", "--yes", "--accept-notices", cwd=tmp_path)
    assert again.returncode == 0 and "No changes." in again.stdout and "Signed" not in again.stderr

    verified = campaign("verify", "campaigns/demo.yaml", "--sandbox", cwd=tmp_path)
    assert verified.returncode == 0 and "7 videos checked: 7 signed for their job, 0 not" in verified.stdout

    (first_key, first), (_, second) = sorted(files.items())[:2]
    altered = tmp_path / "campaigns" / first.path
    data = bytearray(altered.read_bytes())
    data[-100] ^= 0xFF
    altered.write_bytes(bytes(data))
    shutil.copy(
        tmp_path / "campaigns" / sorted(files.values(), key=lambda a: a.path)[2].path,
        tmp_path / "campaigns" / second.path,
    )
    flagged = campaign("verify", "campaigns/demo.yaml", "--sandbox", "--format", "json", cwd=tmp_path)
    assert flagged.returncode == 1
    statuses = {row["path"]: row["status"] for row in json.loads(flagged.stdout)["files"]}
    assert statuses[first.path] == "altered" and statuses[second.path] == "other-job"
    assert sorted(statuses.values()).count("ok") == 5
