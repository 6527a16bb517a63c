from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from runner.sandbox.app import build_app
from runner.sandbox.config import SandboxConfig
from runner.sandbox.world import World
from tests.fake_clock import FakeClock


class SteppingClock(FakeClock):
    """A fake clock whose monotonic time steps on every reading (so rate windows move)."""

    def __init__(self, step: float = 0.11) -> None:
        super().__init__()
        self.step = step

    def monotonic(self) -> float:
        now = super().monotonic()
        self.advance(self.step)
        return now

    def time(self) -> float:
        return super().monotonic()


class ScriptedWorld(World):
    """The sandbox's world on a clock the test moves, with faults on demand."""

    force_faults = 0

    def fault(self) -> bool:
        if self.force_faults > 0:
            self.force_faults -= 1
            return True
        return super().fault()


@dataclass
class Served:
    hooks: ScriptedWorld
    base_url: str
    app: Starlette

    @property
    def heygen_url(self) -> str:
        return self.base_url + "/heygen"

    @property
    def zego_url(self) -> str:
        return self.base_url + "/zego"

    @property
    def heygen_emulator(self) -> Any:
        for route in self.app.routes:
            if isinstance(route, Mount) and route.path == "/heygen":
                return route.app.state.emulator  # type: ignore[union-attr]
        raise AssertionError("no /heygen mount")


def _serve(world: ScriptedWorld) -> Iterator[Served]:
    """The sandbox's own app over real HTTP on 127.0.0.1."""
    app = build_app(world)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        yield Served(world, f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _world(states: dict[str, dict[str, Any]] | None = None, **config: Any) -> ScriptedWorld:
    config.setdefault("seed", 7)
    world = ScriptedWorld(SandboxConfig(**config), clock=SteppingClock())
    if states is not None:
        world.state = states
    return world


@pytest.fixture
def served() -> Iterator[Served]:
    yield from _serve(_world())


@pytest.fixture
def make_served() -> Iterator[Any]:
    """Start a server with a custom SandboxConfig (and optionally loaded state); stopped at teardown."""
    stack: list[Iterator[Served]] = []

    def start(states: dict[str, dict[str, Any]] | None = None, **config: Any) -> Served:
        gen = _serve(_world(states, **config))
        stack.append(gen)
        return next(gen)

    yield start
    for gen in stack:
        next(gen, None)
