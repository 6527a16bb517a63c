"""Digital twins end to end over real HTTP: consent asked and given as the subject would, exit 4, adoption, replace."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

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

URL = re.compile(r"must approve at (\S+)")


def _footage(folder: Path, salt: bytes = b"") -> None:
    (folder / "footage").mkdir(exist_ok=True)
    (folder / "footage" / "dana.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096 + salt)


def _campaign(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=180
    )


def _on_terminal(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """As a person runs it: stderr on a terminal (a pseudo-terminal), not in CI."""
    plain = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    master, slave = pty.openpty()
    run = subprocess.Popen(
        [sys.executable, "-m", "runner", *args],
        env={**plain, **env, "TERM": "dumb"},
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    out, _ = run.communicate(timeout=180)
    reader.join(timeout=10)
    os.close(master)
    err = b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")
    return subprocess.CompletedProcess(run.args, run.returncode, out, err)


def _apply(env: dict[str, str], spec: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _on_terminal(env, "apply", str(spec), "--yes", "--accept-notices", "--no-report", *args)


def _decide(url: str, decision: str) -> None:
    page = httpx.get(url)
    assert page.status_code == 200 and "<form" in page.text and "Dana (founder)" in page.text
    answer = httpx.post(url, data={"decision": decision})
    assert answer.status_code == 200, answer.text


def _private_groups(sandbox: SandboxServer) -> int:
    reply = httpx.get(
        sandbox.heygen_url + "/v3/avatars", params={"ownership": "private"}, headers={"X-Api-Key": sandbox.config.token}
    )
    return len(reply.json()["data"])


@pytest.fixture
def sandbox() -> Any:
    with SandboxServer(SandboxConfig(speed=0.002, seed=5)) as server:
        yield server


def test_consent_then_render_then_nothing(sandbox: SandboxServer, tmp_path: Path) -> None:
    spec = tmp_path / "founder.yaml"
    spec.write_text(SPEC)
    _footage(tmp_path)
    env = sandbox.env()
    plan = _campaign(env, "plan", str(spec))
    assert "must approve on HeyGen's consent page" in plan.stdout and "look id known after apply" in plan.stdout

    first = _apply(env, spec)
    assert first.returncode == 4, first.stdout + first.stderr
    url = URL.search(first.stderr)
    assert url is not None and "waits on consent" in first.stderr
    lock_path = tmp_path / "founder.lock.yaml"
    assert "/consent/" not in lock_path.read_text()  # the URL is printed, never stored
    twin = next(r for r in lockfile.read(lock_path, "founder").jobs.values() if r.kind == "heygen_avatar")
    assert twin.state == "submitted" and twin.waiting == "consent" and twin.twin and twin.twin["look_id"]
    assert sandbox.stats()["heygen_videos_created"] == 0
    status = _on_terminal(env, "status", str(spec), "--refresh")
    asked = URL.search(status.stderr)
    assert status.returncode == 0 and asked is not None and asked.group(1) != url.group(1), status.stderr
    report = _campaign(env, "report", str(spec), "--out", str(tmp_path / "gallery"))
    page = (tmp_path / "gallery" / "index.html").read_text()
    assert report.returncode == 0 and "waits for its subject" in page and "status SPEC --refresh" in page
    assert "/consent/" not in page + lock_path.read_text()
    listed = _campaign(env, "avatars", "--provider", "heygen", "--private", "--format", "json")
    groups = json.loads(listed.stdout)
    assert len(groups) == 1 and groups[0]["consent_status"] == "pending" and groups[0]["looks"]

    _decide(url.group(1), "approve")
    second = _apply(env, spec)
    assert second.returncode == 0, second.stderr
    assert sandbox.stats()["heygen_videos_created"] == 2
    done = lockfile.read(lock_path, "founder").jobs
    assert all(r.state == "succeeded" for r in done.values()) and len(done) == 3

    requests = sandbox.stats()["requests_total"]
    third = _apply(env, spec)
    assert third.returncode == 0 and sandbox.stats()["requests_total"] == requests

    renamed = _campaign(env, "plan", str(spec.with_name("founder.yaml")))
    assert renamed.returncode == 0
    spec.write_text(SPEC.replace("Dana (founder)", "Dana K. (founder)"))
    rename = _apply(env, spec)
    assert rename.returncode == 0 and sandbox.stats()["requests_total"] == requests  # the lockfile only
    assert any(r.name == "Dana K. (founder)" for r in lockfile.read(lock_path, "founder").jobs.values())

    _footage(tmp_path, salt=b"new take")
    replace = _campaign(env, "plan", str(spec))
    assert "-/+" in replace.stdout and "3 to replace" in replace.stdout, replace.stdout


def test_a_lost_create_reply_is_adopted_and_wait_consent_waits(tmp_path: Path) -> None:
    spec = tmp_path / "founder.yaml"
    spec.write_text(SPEC)
    _footage(tmp_path)
    account = tmp_path / "account.json"
    with SandboxServer(SandboxConfig(speed=0.002, seed=6, lost_reply_rate=1.0, state_file=account)) as lossy:
        lost = _apply(lossy.env(), spec)
        port = lossy.port
    assert lost.returncode == 4, lost.stderr
    assert "reply lost" in lost.stderr and "adopted" in lost.stderr
    url = URL.search(lost.stderr)
    assert url is not None
    token = url.group(1).rsplit("/", 1)[1]

    with SandboxServer(SandboxConfig(speed=0.002, seed=7, state_file=account), port=port) as sandbox:  # same world
        assert _private_groups(sandbox) == 1  # 0 duplicate twins
        approve = f"{sandbox.heygen_url}/consent/{token}"
        approver = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import time, httpx; time.sleep(2); httpx.post({approve!r}, data={{'decision': 'approve'}})",
            ]
        )
        waited = _apply(sandbox.env(), spec, "--wait-consent", "2m")
        approver.wait(timeout=30)
        assert waited.returncode == 0, waited.stderr
        assert _private_groups(sandbox) == 1 and sandbox.stats()["heygen_videos_created"] == 2


def test_refused_consent_fails_the_twin_and_blocks_its_videos(sandbox: SandboxServer, tmp_path: Path) -> None:
    spec = tmp_path / "founder.yaml"
    spec.write_text(SPEC)
    _footage(tmp_path)
    first = _apply(sandbox.env(), spec)
    url = URL.search(first.stderr)
    assert first.returncode == 4 and url is not None
    _decide(url.group(1), "refuse")
    refused = _apply(sandbox.env(), spec)
    assert refused.returncode == 1
    assert "CONSENT_REFUSED" in refused.stderr and "blocked" in refused.stderr, refused.stderr
    assert sandbox.stats()["heygen_videos_created"] == 0


def test_bad_twin_declarations_are_located(tmp_path: Path) -> None:
    spec = tmp_path / "founder.yaml"
    spec.write_text(SPEC.replace("provider: heygen\n", "").replace("    voice: en-US-dana\n", ""))
    missing = _campaign({}, "validate", str(spec))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "founder.yaml:" in missing.stderr and "does not exist" in missing.stderr
    assert "a digital twin is a HeyGen avatar" in missing.stderr
    _footage(tmp_path)
    (tmp_path / "footage" / "dana.mp4").write_text("not a video at all")
    spec.write_text(SPEC.replace("footage: {file: footage/dana.mp4}", 'footage: {url: "ftp://x/y.mp4"}'))
    bad_url = _campaign({}, "validate", str(spec))
    assert bad_url.returncode == 1 and "must start with http:// or https://" in bad_url.stderr
    spec.write_text(SPEC)
    not_video = _campaign({}, "validate", str(spec))
    assert not_video.returncode == 1 and "is not a video" in not_video.stderr


def test_a_failed_training_fails_the_twin_with_heygens_reason(tmp_path: Path) -> None:
    spec = tmp_path / "founder.yaml"
    spec.write_text(SPEC)
    _footage(tmp_path)
    with SandboxServer(SandboxConfig(speed=0.002, seed=8, twin_training_failure_rate=1.0)) as sandbox:
        first = _apply(sandbox.env(), spec)
        url = URL.search(first.stderr)
        assert first.returncode == 4 and url is not None
        _decide(url.group(1), "approve")
        failed = _apply(sandbox.env(), spec)
        assert failed.returncode == 1, failed.stderr
        assert "TRAINING_FAILED" in failed.stderr and "could not be used to train" in failed.stderr
        assert "blocked" in failed.stderr and sandbox.stats()["heygen_videos_created"] == 0


def test_the_consent_url_is_shown_on_a_terminal_and_written_to_no_file(sandbox: SandboxServer, tmp_path: Path) -> None:
    spec = tmp_path / "founder.yaml"
    spec.write_text(SPEC)
    _footage(tmp_path)
    env = sandbox.env()
    logged = _campaign(env, "apply", str(spec), "--yes", "--accept-notices")  # a CI log: stderr is a pipe
    assert logged.returncode == 4, logged.stderr
    assert "/consent/" not in logged.stdout + logged.stderr and "campaign status SPEC --refresh" in logged.stderr
    shown = _on_terminal(env, "status", str(spec), "--refresh")
    assert URL.search(shown.stderr) is not None, shown.stderr  # a person on a terminal sees it
    again = _on_terminal(env, "apply", str(spec), "--yes", "--accept-notices")  # writes the gallery again
    assert again.returncode == 4 and URL.search(again.stderr) is not None, again.stderr
    for args in (
        ("report", str(spec), "--out", str(tmp_path / "review")),
        ("plan", str(spec), "--out", str(tmp_path / "plan.json")),
    ):
        assert _on_terminal(env, *args).returncode in (0, 2)
    assert (tmp_path / "review" / "index.html").exists() and list(tmp_path.rglob("index.html"))
    for path in tmp_path.rglob("*"):  # gallery, lockfile, journal, plan, downloads, anything else
        if path.is_file():
            assert b"/consent/" not in path.read_bytes(), path


def test_two_clones_make_one_twin_and_import_finds_it(sandbox: SandboxServer, tmp_path: Path) -> None:
    clones = []
    for name in ("one", "two", "three"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "founder.yaml").write_text(SPEC)
        _footage(folder)
        clones.append(folder / "founder.yaml")
    env = sandbox.env()
    first = _apply(env, clones[0])
    assert first.returncode == 4 and _private_groups(sandbox) == 1, first.stderr
    second = _apply(env, clones[1])  # a clone without the lockfile
    assert second.returncode == 4, second.stderr
    assert "adopted avatars.founder: digital twin group" in second.stderr
    assert _private_groups(sandbox) == 1  # one twin, one consent request per apply for one person
    ours = lockfile.read(clones[0].with_name("founder.lock.yaml"), "founder").jobs
    theirs = lockfile.read(clones[1].with_name("founder.lock.yaml"), "founder").jobs
    twin = next(k for k, r in ours.items() if r.twin)
    assert theirs[twin].twin and theirs[twin].twin["group_id"] == ours[twin].twin["group_id"]
    imported = _campaign(env, "import", str(clones[2]), "--yes")
    assert imported.returncode == 0 and "digital twin group" in imported.stdout, imported.stdout + imported.stderr
    found = lockfile.read(clones[2].with_name("founder.lock.yaml"), "founder").jobs
    assert found[twin].twin and found[twin].twin["group_id"] == ours[twin].twin["group_id"]
    assert _private_groups(sandbox) == 1 and sandbox.stats()["heygen_videos_created"] == 0
