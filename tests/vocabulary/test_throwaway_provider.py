"""A provider and a job kind registered from the test suite go through validate, plan, apply, status and report.

Nothing in runner/ names them: the client below, its registry entries and its emulator are all that a new
provider is (docs/architecture.md). The emulator is a small HTTP server on 127.0.0.1 that renders one
video per request under an idempotency key and is polled by id, the way the generic render driver works.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import imageio_ffmpeg
import pytest
from click.testing import CliRunner

from runner.cli import cli
from runner.clock import Clock
from runner.lock import lockfile
from runner.providers.budget import TransientBudget
from runner.providers.config import ProviderSettings
from runner.providers.errors import PermanentError, TransientError
from runner.providers.http import Call, HttpApi, json_body
from runner.providers.pacing import Pacing
from runner.providers.retry import RetryPolicy
from runner.vocabulary.kinds import Costs, KindSpec, register_kind, unregister_kind
from runner.vocabulary.providers import Credential, ProviderSpec, register_provider, unregister_provider
from runner.vocabulary.tasks import RenderResult, TaskStatus

PROVIDER = "synthy"
KIND = "synthy_video"
KEY = "synthy-secret-key-4f1c"
CLIENT_MODULE = "campaign_test_synthy_client"  # what a provider's client module would be
SPEC = """\
version: 1
campaign: synthy-launch
provider: synthy
avatars:
  ava: {id: "ava-01"}
  ben: {id: "ben-02"}
scripts:
  hello: {text: "Meet {{ vars.brand }}, now in {{ city }}."}
vars: {brand: Lumen Lamps}
videos:
  - id: promo
    avatars: [ava, ben]
    scripts: [hello]
    matrix: {city: [Oslo, Lima]}
    name: "{{ avatar }}-{{ city | slug }}"
apply: {accept_notices: true}
"""


class SynthyClient(HttpApi):
    """The whole client of the throwaway provider: create a render, get a render."""

    provider = PROVIDER

    def __init__(
        self,
        settings: ProviderSettings,
        *,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        budget: TransientBudget | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        settings.require(PROVIDER)
        key = settings.credential("SYNTHY_API_KEY") or ""
        super().__init__(
            settings.base_url(PROVIDER),
            clock=clock,
            retry=retry,
            transport=transport,
            budget=budget,
            headers={"Authorization": f"Bearer {key}"},
        )

    def _classify(self, call: Call, response: httpx.Response) -> Any:
        if response.status_code < 400:
            return json_body(PROVIDER, call, response)
        error = (PROVIDER, call.path, f"HTTP {response.status_code}", response.text[:200])
        if response.status_code >= 500:
            raise TransientError(*error, http_status=response.status_code)
        raise PermanentError(*error, http_status=response.status_code)

    def create_render(self, request: dict[str, str], idempotency_key: str, title: str) -> str:
        """POST /renders: the render's id."""
        body = {"avatar": request["avatar_id"], "text": request["script"], "title": title}
        call = Call("POST", "/renders", json=body, headers={"Idempotency-Key": idempotency_key})
        return str(self.send(call, self._classify)["id"])

    def get_render(self, render_id: str) -> RenderResult:
        """GET /renders/{id}: where it stands, and its file once done."""
        data = self.send(Call("GET", f"/renders/{render_id}"), self._classify)
        status = {"working": TaskStatus.RUNNING, "done": TaskStatus.SUCCEEDED, "failed": TaskStatus.FAILED}
        return RenderResult(render_id, status.get(data["state"], TaskStatus.UNKNOWN), render_id, data.get("file"))


class Emulator:
    """Synthy's API on 127.0.0.1: renders are done on their second look; files are one small real MP4."""

    def __init__(self, video: bytes) -> None:
        self.video = video
        self.renders: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.creates = 0
        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def reply(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                emulator.requests += 1
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    return self.reply(401, b'{"error": "unauthorized"}')
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key")
                if self.path != "/renders" or not key or not body.get("avatar") or not body.get("text"):
                    return self.reply(400, b'{"error": "avatar, text and an Idempotency-Key are required"}')
                if key not in emulator.by_key:
                    emulator.creates += 1
                    render_id = f"r{len(emulator.renders) + 1}"
                    emulator.renders[render_id] = {"looks": 0, **body}
                    emulator.by_key[key] = render_id
                self.reply(200, json.dumps({"id": emulator.by_key[key]}).encode())

            def do_GET(self) -> None:
                emulator.requests += 1
                if self.path.startswith("/files/"):
                    return self.reply(200, emulator.video, "video/mp4")
                render = emulator.renders.get(self.path.removeprefix("/renders/"))
                if self.headers.get("Authorization") != f"Bearer {KEY}" or render is None:
                    return self.reply(404, b'{"error": "not found"}')
                render["looks"] += 1
                done = render["looks"] > 1
                state = (
                    {"state": "done", "file": f"{emulator.url}/files/{self.path[9:]}.mp4"}
                    if done
                    else {"state": "working"}
                )
                self.reply(200, json.dumps(state).encode())

        return Handler

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def small_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One second of a real, playable MP4 (ffmpeg from the imageio-ffmpeg wheel)."""
    out = tmp_path_factory.mktemp("video") / "one.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=navy:s=320x568:d=1:r=10"]
        + ["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "1", "-c:v", "mpeg4", "-c:a", "aac", str(out)],
        check=True,
    )
    return out.read_bytes()


@pytest.fixture
def synthy(small_mp4: bytes, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The provider registered, its client importable by path, its emulator running, the environment pointing at it."""
    module = types.ModuleType(CLIENT_MODULE)
    module.SynthyClient = SynthyClient  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, CLIENT_MODULE, module)
    register_provider(
        ProviderSpec(
            name=PROVIDER,
            title="Synthy",
            base_url_variable="SYNTHY_API_BASE_URL",
            default_base_url="https://api.synthy.example/v1",
            credentials=(Credential("SYNTHY_API_KEY"),),
            client=f"{CLIENT_MODULE}:SynthyClient",
            video_kind=KIND,
            script_max_chars=1000,
            max_in_flight=2,
        )
    )
    register_kind(
        KindSpec(
            KIND,
            "sy",
            PROVIDER,
            1,
            "Synthy video",
            "runner.execute.drivers.render:RenderVideos",
            tagged_name=False,
            costs=Costs(poll_batch=1, processing_seconds=2.0),
        )
    )
    emulator = Emulator(small_mp4)
    monkeypatch.setenv("SYNTHY_API_BASE_URL", emulator.url)
    monkeypatch.setenv("SYNTHY_API_KEY", KEY)
    try:
        yield emulator
    finally:
        emulator.stop()
        unregister_kind(KIND)
        unregister_provider(PROVIDER)


def campaign(*args: str) -> Any:
    """`campaign ARGS` in this process (the registration lives here), its result."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_registered_provider_goes_through_every_command(
    synthy: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "synthy.yaml"
    spec.write_text(SPEC)
    monkeypatch.chdir(tmp_path)

    checked = campaign("validate", str(spec))
    assert checked.exit_code == 0, checked.output
    assert "4 jobs" in checked.output or "4 " in checked.output

    planned = campaign("plan", str(spec), "--format", "json")
    assert planned.exit_code == 0, planned.output
    changes = json.loads(planned.stdout)["changes"]
    assert [c["kind"] for c in changes] == [KIND] * 4 and all(c["action"] == "create" for c in changes)
    assert all(c["key"].startswith("sy-") and c["provider"] == PROVIDER for c in changes)
    assert synthy.requests == 0  # planning is offline

    applied = campaign("apply", str(spec), "--yes")
    assert applied.exit_code == 0, applied.output
    assert synthy.creates == 4
    lock = lockfile.read(tmp_path / "synthy.lock.yaml", "synthy-launch")
    assert {r.kind for r in lock.jobs.values()} == {KIND}
    assert all(r.state == "succeeded" and r.video_ids and r.artifacts for r in lock.jobs.values())
    assert lock.world is not None and lock.world.providers[PROVIDER].host == synthy.url.removeprefix("http://")
    assert KEY not in (tmp_path / "synthy.lock.yaml").read_text()

    again = campaign("apply", str(spec), "--yes")
    assert again.exit_code == 0 and "No changes" in again.output and synthy.creates == 4

    status = campaign("status", str(spec), "--format", "json")
    assert status.exit_code == 0, status.output
    assert sorted(j["state"] for j in json.loads(status.stdout)["jobs"]) == ["succeeded"] * 4

    report = campaign("report", str(spec))
    assert report.exit_code == 0, report.output
    page = (tmp_path / "artifacts" / "synthy" / "index.html").read_text()
    assert "Meet Lumen Lamps, now in Oslo." in page and page.count("<video") >= 4


def test_an_unregistered_provider_is_a_located_problem(tmp_path: Path) -> None:
    spec = tmp_path / "synthy.yaml"
    spec.write_text(SPEC)
    checked = campaign("validate", str(spec))
    assert checked.exit_code == 1
    assert f"{spec}:3:" in checked.output and "synthy" in checked.output
