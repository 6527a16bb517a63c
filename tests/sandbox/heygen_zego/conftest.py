from __future__ import annotations

import collections
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from runner.clock import FakeClock
from runner.sandbox import heygen, zego

TOKEN = "sandbox-token"


@dataclass(frozen=True)
class Config:
    token: str = TOKEN
    zego_app_id: str = "1000001"
    time_scale: float = 1.0
    slow_rate: float = 0.0
    task_failure_rate: float = 0.0
    fault_rate: float = 0.0
    lost_reply_rate: float = 0.0


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


@dataclass
class Hooks:
    """The sandbox services the emulators use, with a clock the test moves."""

    config: Config = field(default_factory=Config)
    clock: SteppingClock = field(default_factory=SteppingClock)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    changes: int = 0
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    force_faults: int = 0
    lock: Any = field(default_factory=threading.RLock)
    refusals: collections.Counter[str] = field(default_factory=collections.Counter)
    events: collections.Counter[str] = field(default_factory=collections.Counter)

    def refused(self, endpoint: str) -> None:
        self.refusals[endpoint] += 1

    def event(self, name: str, n: int = 1) -> None:
        self.events[name] += n

    def count(self, endpoint: str) -> None:
        self.counts[endpoint] += 1

    def changed(self) -> None:
        self.changes += 1

    def fault(self) -> bool:
        if self.force_faults > 0:
            self.force_faults -= 1
            return True
        return self.rng.random() < self.config.fault_rate

    def state_for(self, name: str) -> dict[str, Any]:
        return self.states.setdefault(name, {})


@dataclass
class Served:
    hooks: Hooks
    base_url: str
    heygen_app: Starlette

    @property
    def heygen_url(self) -> str:
        return self.base_url + "/heygen"

    @property
    def zego_url(self) -> str:
        return self.base_url + "/zego"


def _serve(hooks: Hooks) -> Iterator[Served]:
    heygen_app = heygen.build_app(hooks)
    app = Starlette(routes=[Mount("/heygen", heygen_app), Mount("/zego", zego.build_app(hooks))])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        yield Served(hooks, f"http://127.0.0.1:{port}", heygen_app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def served() -> Iterator[Served]:
    yield from _serve(Hooks())


@pytest.fixture
def make_served() -> Iterator[Any]:
    """Start a server with a custom Config; stopped at teardown."""
    stack: list[Iterator[Served]] = []

    def start(states: dict[str, dict[str, Any]] | None = None, **config: Any) -> Served:
        gen = _serve(Hooks(config=Config(**config), states=states if states is not None else {}))
        stack.append(gen)
        return next(gen)

    yield start
    for gen in stack:
        next(gen, None)
