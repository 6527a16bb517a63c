"""The sandbox served over real HTTP on 127.0.0.1, in a background thread."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from runner.clock import Clock
from runner.sandbox.app import build_app
from runner.sandbox.config import SandboxConfig
from runner.sandbox.tiktok_state import TikTokAccount
from runner.sandbox.world import World


class _DroppedReplyFilter(logging.Filter):
    """Silences uvicorn's complaint about replies the sandbox drops on purpose (lost replies)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


class SandboxServer:
    """A running sandbox: `with SandboxServer(SandboxConfig()) as sandbox: ... sandbox.env()`."""

    def __init__(self, config: SandboxConfig | None = None, port: int = 0, clock: Clock | None = None) -> None:
        """`clock` replaces the real clock (tests that step time instead of waiting)."""
        self.config = config or SandboxConfig()
        self.world = World(self.config, clock)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.tiktok_url = f"{self.base_url}/open_api/v1.3"
        self.heygen_url = f"{self.base_url}/heygen"
        self.zego_url = f"{self.base_url}/zego"
        self.app = build_app(self.world)
        server_config = uvicorn.Config(
            self.app, log_level="error", access_log=False, lifespan="off", timeout_keep_alive=30, limit_concurrency=1000
        )
        self._server = uvicorn.Server(server_config)  # configures uvicorn's loggers
        error_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, _DroppedReplyFilter) for f in error_log.filters):
            error_log.addFilter(_DroppedReplyFilter())
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; return once it accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self, token: str | None = None) -> dict[str, str]:
        """Environment variables pointing every provider at this sandbox, with its credentials.

        `token` picks another accepted token (another app); by default the main one.
        """
        token = token or self.config.token
        return {
            "TIKTOK_API_BASE_URL": self.tiktok_url,
            "TIKTOK_ACCESS_TOKEN": token,
            "HEYGEN_API_BASE_URL": self.heygen_url,
            "HEYGEN_API_KEY": token,
            "ZEGO_API_BASE_URL": self.zego_url,
            "ZEGO_APP_ID": self.config.zego_app_id,
            "ZEGO_SERVER_SECRET": token,
        }

    def asset_url(self, name: str = "source.mp4") -> str:
        """A loopback URL serving video bytes, usable as a refresh source."""
        return f"{self.base_url}/_sandbox/assets/{name}"

    @property
    def tiktok_account(self) -> TikTokAccount:
        """The emulated TikTok account (tasks, uploads, what each video shows), for tests."""
        account: TikTokAccount = self.app.state.tiktok.account
        return account

    def stats(self) -> dict[str, Any]:
        """Requests per endpoint, refusals, faults and what was created."""
        return self.world.stats()

    def reset_stats(self) -> None:
        """Zero the counters."""
        self.world.reset_stats()


def state_file_for(folder: Path, campaign: str) -> Path:
    """Where `--sandbox` runs keep the emulator's account between runs."""
    return folder / ".campaign" / "sandbox" / f"{campaign}.json"
