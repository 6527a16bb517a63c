"""`plan --comment-out --labels-out`: the sticky comment body and the PR labels, from the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def plan(spec: Path, folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "runner",
            "plan",
            str(spec),
            "--format",
            "markdown",
            "--comment-out",
            str(folder / "out" / "c.md"),
            "--labels-out",
            str(folder / "out" / "c.labels"),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_comment_is_marker_then_the_markdown_plan(tmp_path: Path) -> None:
    done = plan(
        Path("campaigns/demo.yaml"), tmp_path, "--detailed-exitcode", "--lock", str(tmp_path / "none.lock.yaml")
    )
    assert done.returncode == 2, done.stderr
    body = (tmp_path / "out" / "c.md").read_text()
    marker, _, rest = body.partition("\n")
    assert marker == "<!-- campaign-plan: campaigns/demo.yaml -->"
    assert rest == done.stdout.rstrip() + "\n"
    assert (tmp_path / "out" / "c.labels").read_text() == "campaign:changes\ncampaign:create\n"


def test_forget_earns_its_label(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text((ROOT / "campaigns" / "demo.yaml").read_text())
    lock = tmp_path / "c.lock.yaml"
    assert (
        subprocess.run(
            [
                sys.executable,
                "-m",
                "runner",
                "apply",
                str(spec),
                "--sandbox",
                "--yes",
                "--accept-notices",
                "--lock",
                str(lock),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        ).returncode
        == 0
    )
    spec.write_text(spec.read_text().replace("avatars: [isabelle, aiduo]", "avatars: [isabelle]"))
    done = plan(spec, tmp_path, "--lock", str(lock))
    assert done.returncode == 0, done.stderr
    labels = (tmp_path / "out" / "c.labels").read_text().splitlines()
    assert labels[0] == "campaign:changes" and "campaign:forget" in labels and "campaign:create" not in labels


def test_an_invalid_spec_writes_no_review_files(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("version: 1\ncampaign: Bad Name\n")
    done = plan(spec, tmp_path)
    assert done.returncode == 1 and "bad.yaml" in done.stderr
    assert not (tmp_path / "out").exists()
