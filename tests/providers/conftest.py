"""A tiny scripted HTTP server on 127.0.0.1: replies as told, counts what reached it."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Scripted:
    """Replies to give, in order (the last one repeats), and the requests that arrived."""

    replies: list[tuple[int, Any]] = field(default_factory=lambda: [(200, {"code": 0, "message": "OK", "data": {}})])
    seen: list[str] = field(default_factory=list)
    base_url: str = ""

    def reply(self, *replies: tuple[int, Any]) -> None:
        """Script the next replies; clear what was seen."""
        self.replies = list(replies)
        self.seen.clear()


def _handler(script: Scripted) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            script.seen.append(f"{self.command} {self.path}")
            status, body = script.replies.pop(0) if len(script.replies) > 1 else script.replies[0]
            data = (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def serving(script: Scripted) -> Iterator[Scripted]:
    """Serve `script` on a free loopback port until the block ends (then the port refuses connections)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    script.base_url = f"http://127.0.0.1:{server.server_address[1]}/open_api/v1.3"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def scripted() -> Iterator[Scripted]:
    """One scripted server per module."""
    with serving(Scripted()) as script:
        yield script


@contextlib.contextmanager
def holding(port: int = 0) -> Iterator[int]:
    """Keep a loopback port bound but not listening: connections are refused, and no server of a test running
    in parallel is given the port meanwhile (a released port can be handed out again at once)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a server that just closed it may leave TIME_WAIT
        sock.bind(("127.0.0.1", port))
        yield int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def unused_port() -> Iterator[int]:
    """A loopback port nothing listens on, held for the module."""
    with holding() as port:
        yield port
