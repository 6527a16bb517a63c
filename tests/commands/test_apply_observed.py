"""An apply seen from outside: a JSON webhook gets its outcome, an OTLP/HTTP receiver its spans (real HTTP)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


class _Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: list[tuple[str, bytes]] = []

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.bodies.append((self.path, body))
        reply = ExportTraceServiceResponse().SerializeToString() if self.path == "/v1/traces" else b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_json_webhook_gets_apply_finished_with_the_counts(
    cli: Any, sandbox: Any, tmp_path: Path, receiver: _Receiver
) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(cli.spec("told") + f"notify: ['json://{receiver.url}/hook']\n")
    env = {**sandbox.env(), "CAMPAIGN_NOTIFY_URLS": "json://user:s3cret-pass@127.0.0.1:1/unreachable"}
    applied = cli.apply(env, spec)
    assert applied.returncode == 0, applied.stderr  # the unreachable URL only warns
    assert "warning: the apply.finished notification to json:// could not be sent" in applied.stderr
    assert "s3cret" not in applied.stdout + applied.stderr
    [(path, body)] = receiver.bodies
    payload = json.loads(body)
    assert path == "/hook" and payload["title"] == "campaign told: apply.finished"
    lines = payload["message"].splitlines()
    assert {"event: apply.finished", "succeeded: 4", "failed: 0", "videos_created: 4"} <= set(lines)
    assert any(line.startswith("world: ") for line in lines)
    assert sandbox.config.token not in body.decode()


def _spans(receiver: _Receiver) -> list[Any]:
    spans = []
    for path, body in receiver.bodies:
        assert path == "/v1/traces"
        request = ExportTraceServiceRequest.FromString(body)
        spans += [s for r in request.resource_spans for scope in r.scope_spans for s in scope.spans]
    return spans


def test_an_otlp_receiver_gets_the_spans_of_an_apply_under_the_callers_trace(
    cli: Any, sandbox: Any, tmp_path: Path, receiver: _Receiver
) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(cli.spec("traced").replace("Script", "Traced"))  # videos no other test of the module made
    env = {
        **sandbox.env(),
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{receiver.url}",
        "TRACEPARENT": f"00-{TRACE_ID}-{PARENT_ID}-01",
    }
    applied = cli.apply(env, spec)
    assert applied.returncode == 0, applied.stderr
    spans = _spans(receiver)
    assert spans and {s.trace_id.hex() for s in spans} == {TRACE_ID}
    [root] = [s for s in spans if s.name == "campaign apply"]
    assert root.parent_span_id.hex() == PARENT_ID
    jobs = [s for s in spans if s.name.startswith("job ")]
    assert len(jobs) == 4 and len({s.name for s in jobs}) == 4  # one span per job
    requests = [s for s in spans if s.name.startswith("tiktok ")]
    assert any(s.name == "tiktok POST /creative/digital_avatar/video/task/create/" for s in requests)
    attributes = {a.key for s in requests for a in s.attributes}
    assert {"endpoint", "outcome", "retries", "provider"} <= attributes
    exported = b"".join(body for _, body in receiver.bodies)
    for secret_or_script in (sandbox.config.token, "Traced zero for", "Traced one for", "a0-s0"):
        assert secret_or_script.encode() not in exported


def test_tracing_asked_for_without_its_sdk_exits_1_naming_pip(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(cli.spec("untraced"))
    blocker = tmp_path / "block"
    (blocker / "opentelemetry").mkdir(parents=True)
    (blocker / "opentelemetry" / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {**sandbox.env(), "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "PYTHONPATH": str(blocker)}
    result = cli.apply(env, spec)
    assert result.returncode == 1, result.stderr
    assert "install it with: pip install 'campaign[otel]'" in result.stderr and "Traceback" not in result.stderr


def test_the_metrics_file_holds_jobs_by_state_videos_and_the_last_success(
    cli: Any, sandbox: Any, tmp_path: Path
) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(cli.spec("metered").replace("Script", "Metered"))
    metrics = tmp_path / "textfile" / "campaign.prom"
    applied = cli.apply({**sandbox.env(), "CAMPAIGN_METRICS_FILE": str(metrics)}, spec)
    assert applied.returncode == 0, applied.stderr
    text = metrics.read_text()
    assert 'campaign_jobs{campaign="metered",state="succeeded"} 4.0' in text
    assert 'campaign_videos_created{campaign="metered"} 4.0' in text
    assert 'campaign_renders_in_flight{campaign="metered"} 0.0' in text
    assert 'campaign_last_success_timestamp_seconds{campaign="metered"}' in text
