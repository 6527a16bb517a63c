"""`campaign report` as a real process: output, defaults, and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_report_writes_the_page_beside_the_videos_and_says_where(gallery_campaign: Any, cli: Any) -> None:
    done = cli("report", str(gallery_campaign.spec))
    assert done.returncode == 0, done.stderr
    page = gallery_campaign.folder / "artifacts" / "gallery" / "index.html"
    assert f"Review gallery: {page}" in done.stdout
    assert page.resolve().as_uri() in done.stdout
    text = page.read_text()
    assert text.count('<article class="card"') == len(gallery_campaign.shown)
    assert text.count("<video ") == len(gallery_campaign.playable)


def test_report_out_folder_gets_relative_video_paths(gallery_campaign: Any, cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "review" / "nested"
    done = cli("report", str(gallery_campaign.spec), "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = (out / "index.html").read_text()
    sources = [line.split('src="', 1)[1].split('"', 1)[0] for line in text.splitlines() if "<video " in line]
    assert len(sources) == len(gallery_campaign.playable)
    assert all((out / src).resolve().is_file() for src in sources)
    assert not any(src.startswith("/") for src in sources)


def test_report_with_sandbox_reads_the_sandbox_lockfile(gallery_campaign: Any, cli: Any, tmp_path: Path) -> None:
    done = cli("report", str(gallery_campaign.spec), "--sandbox", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "index.html").read_text()
    assert "(sandbox)" in text and "gallery.sandbox.lock.yaml" in text
    assert "<video " not in text  # no sandbox lockfile yet: everything is still to be created


def test_missing_spec_is_one_message_exit_1(cli: Any, tmp_path: Path) -> None:
    done = cli("report", str(tmp_path / "nope.yaml"))
    assert done.returncode == 1
    assert "nope.yaml" in done.stderr and "Traceback" not in done.stderr


def test_out_that_is_a_file_is_one_message_exit_1(gallery_campaign: Any, cli: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = cli("report", str(gallery_campaign.spec), "--out", str(blocker / "sub"))
    assert done.returncode == 1, done.stderr
    assert "cannot create the report folder" in done.stderr and "Traceback" not in done.stderr


def test_invalid_spec_names_file_and_line(cli: Any, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("version: 1\ncampaign: bad\nvideos:\n  - id: promo\n    avatars: [ghost]\n    scripts: [s]\n")
    done = cli("report", str(spec))
    assert done.returncode == 1
    assert "bad.yaml:" in done.stderr and "Traceback" not in done.stderr


def test_apply_writes_the_gallery_and_says_where(cli: Any, tmp_path: Path) -> None:
    import json
    import shutil

    root = Path(__file__).resolve().parents[2]
    spec = tmp_path / "campaigns" / "demo.yaml"
    spec.parent.mkdir()
    shutil.copy(root / "campaigns" / "demo.yaml", spec)
    done = cli("apply", str(spec), "--sandbox", "--yes", "--accept-notices", "--no-report")
    assert done.returncode == 0, done.stderr
    page = spec.parent / "artifacts" / "demo" / "index.html"
    assert not page.exists() and "Review gallery" not in done.stdout
    done = cli("apply", str(spec), "--sandbox", "--yes", "--accept-notices", "--format", "json")
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)  # stdout stays the JSON summary; the gallery line goes to stderr
    assert f"Review gallery: {page}" in done.stderr
    text = page.read_text()
    assert "(sandbox)" in text and "demo.sandbox.lock.yaml" in text
    sources = [line.split('src="', 1)[1].split('"', 1)[0] for line in text.splitlines() if "<video " in line]
    assert len(sources) == 7 and all((page.parent / src).is_file() for src in sources)
