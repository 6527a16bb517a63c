"""A refresh source the provider could not fetch (40011) is retried within max_retries, and `--replace` makes
a blocked refresh and its failed upload again; over real HTTP against the sandbox."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from runner.lock import lockfile, records


def campaign(port: int) -> str:
    """One refresh of an ad served from a loopback URL."""
    return (
        "version: 1\ncampaign: fetch\nrefresh:\n  - id: music\n"
        f'    source: {{url: "http://127.0.0.1:{port}/ads/serum.mp4"}}\n    strategies: [SWAP_MUSIC]\n'
    )


class VideoHandler(BaseHTTPRequestHandler):
    """Serves a few bytes as an MP4: the sandbox's upload only checks the reply's status and type."""

    def do_GET(self) -> None:
        body = b"\x00\x00\x00\x18ftypmp42"
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@contextlib.contextmanager
def serving(port: int) -> Iterator[None]:
    """The ad's host, up on `port`."""
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", port), VideoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def upload_record(spec: Path) -> records.JobRecord:
    """The upload's record."""
    lock = lockfile.read(spec.with_name(spec.stem + ".lock.yaml"), "fetch")
    return next(r for r in lock.jobs.values() if r.kind == "upload")


def test_an_unfetchable_source_is_retried_and_replace_makes_it_again(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    plan = [*kit.apply_command(Path("x"))[:3], "plan"]
    with socket.socket() as held:  # bound, never listening: the host refuses the provider's fetch
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        spec = write_campaign(campaign(port))
        first = kit.run(kit.apply_command(spec), sb.env())
        assert first.returncode == 1 and "40011" in first.stderr, first.stderr
        record = upload_record(spec)
        assert (record.state, record.error.code if record.error else None, record.attempts) == ("failed", "40011", 1)
        retry = kit.run([*plan, str(spec), "--detailed-exitcode"], sb.env())
        assert retry.returncode == 2, retry.stdout + retry.stderr  # a fetch failure is retried, not failed for good
        second = kit.run(kit.apply_command(spec), sb.env())
        assert second.returncode == 1 and upload_record(spec).attempts == 2
        spent = kit.run([*plan, str(spec), "--detailed-exitcode"], sb.env())
        assert spent.returncode == 1 and "blocked" in spent.stdout, spent.stdout  # beyond apply.max_retries
    with serving(port):
        forced = kit.run([*plan, str(spec), "--replace", "music", "--detailed-exitcode"], sb.env())
        assert forced.returncode == 2 and "--replace music" in forced.stdout, forced.stdout
        done = kit.run(kit.apply_command(spec, "--replace", "music"), sb.env())
        assert done.returncode == 0, done.stderr
    assert upload_record(spec).state == "succeeded"
    assert sb.stats()["uploads"] == 1 and sb.stats()["refresh_tasks_created"] == 1
