"""The consent URL goes to the people named for consent, once, over real HTTP; never to a file or the team's channel."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner.execute.consent_notice import NOTIFIED, target_digest, untold, with_told
from runner.lock import lockfile
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

SPEC = """\
version: 1
campaign: founder
provider: heygen
notify: ["json://127.0.0.1:{port}/team"]
avatars:
  founder:
    twin:
      name: "Dana (founder)"
      footage: {{file: footage/dana.mp4}}
      consent:
        notify: ["json://127.0.0.1:{port}/dana?token=s3cret", "json://127.0.0.1:1/legal"]
scripts:
  hello: {{text: "Hi, I'm Dana. Our boots keep you dry."}}
videos:
  - id: promo
    avatars: [founder]
    scripts: [hello]
    voice: en-US-dana
"""
CONSENT_URL = re.compile(r"consent_url: (\S+)")


class Receiver:
    """A local notification endpoint: what apprise's json:// posts, by path."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.posts.append((self.path.split("?")[0], json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def to(self, path: str) -> list[str]:
        """The messages posted to one path."""
        return [str(body["message"]) for where, body in self.posts if where == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(speed=0.002, seed=5)) as server:
        yield server


def _campaign(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=180
    )


def _twin(spec: Path) -> dict[str, Any]:
    record = next(r for r in lockfile.read(spec.with_name("founder.lock.yaml"), "founder").jobs.values() if r.twin)
    assert record.twin is not None
    return dict(record.twin)


def test_the_people_named_get_the_consent_url_once_and_the_team_only_the_wait(
    sandbox: SandboxServer, receiver: Receiver, tmp_path: Path
) -> None:
    spec = tmp_path / "founder.yaml"
    spec.write_text(SPEC.format(port=receiver.port))
    (tmp_path / "footage").mkdir()
    (tmp_path / "footage" / "dana.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096)
    env = {**sandbox.env(), "CAMPAIGN_NOTIFY_URLS": f"json://127.0.0.1:{receiver.port}/ops"}
    first = _campaign(env, "apply", str(spec), "--yes", "--accept-notices")
    assert first.returncode == 4, first.stderr
    [told] = receiver.to("/dana")
    assert "event: twin.consent" in told and "campaign: founder" in told and "twin: Dana (founder)" in told
    url = CONSENT_URL.search(told)
    assert url is not None and "/consent/" in url.group(1)
    assert "Dana (founder)" in httpx.get(url.group(1)).text  # the subject's own consent page
    for general in ("/team", "/ops"):  # the file's and the environment's general targets: the wait, no URL
        assert [m.splitlines()[0] for m in receiver.to(general)] == ["event: apply.waiting"]
        assert "/consent/" not in receiver.to(general)[0]
    assert "warning: the twin.consent notification to json:// could not be sent" in first.stderr
    assert "consent sent" in first.stderr and "to 1 of the people named for consent" in first.stderr
    twin = _twin(spec)
    assert list(twin[NOTIFIED]) == [
        target_digest(twin["group_id"], f"json://127.0.0.1:{receiver.port}/dana?token=s3cret")
    ]

    again = _campaign(env, "apply", str(spec), "--yes", "--accept-notices")  # still waiting on the same consent
    assert again.returncode == 4, again.stderr
    assert len(receiver.to("/dana")) == 1 and "consent sent" not in again.stderr  # not bothered twice
    assert again.stderr.count("twin.consent notification to json:// could not be sent") == 1
    assert _twin(spec)[NOTIFIED] == twin[NOTIFIED]
    refreshed = _campaign(env, "status", str(spec), "--refresh")  # a person's look: it tells no one
    assert refreshed.returncode in (0, 4) and len(receiver.to("/dana")) == 1, refreshed.stderr

    outputs = first.stdout + first.stderr + again.stdout + again.stderr + refreshed.stdout + refreshed.stderr
    assert "/consent/" not in outputs and "s3cret" not in outputs and "/dana" not in outputs
    assert (tmp_path / "founder.lock.yaml").exists() and list(tmp_path.rglob("*.html"))
    for path in tmp_path.rglob("*"):  # lockfile, journal, gallery, anything else apply leaves
        if path.is_file() and path != spec:
            content = path.read_bytes()
            assert b"/consent/" not in content and b"s3cret" not in content and b"/dana" not in content, path


def test_a_target_counts_as_told_per_twin_group_and_only_once_reached() -> None:
    twin = {"group_id": "g1", "look_id": "l1", "consent_status": "pending"}
    people = ("mailto://dana@example.com", "json://h/legal?token=x")
    assert untold("g1", people, twin) == people
    told = with_told(twin, people[:1], "2026-12-03T10:00:00Z")
    assert untold("g1", people, told) == people[1:]
    assert untold("g2", people, told) == people  # another twin's consent request is another request
    assert "dana" not in json.dumps(told) and "token" not in json.dumps(told)
    assert with_told(told, people[1:], "2026-12-03T11:00:00Z")[NOTIFIED] == {
        target_digest("g1", people[0]): "2026-12-03T10:00:00Z",
        target_digest("g1", people[1]): "2026-12-03T11:00:00Z",
    }
