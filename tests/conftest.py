"""Shared fixtures: a real sandbox server on 127.0.0.1 per test (fast to start)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

SandboxFactory = Callable[..., SandboxServer]


@pytest.fixture
def sandbox_factory() -> Iterator[SandboxFactory]:
    """Start sandboxes with given knobs; all are stopped after the test."""
    started: list[SandboxServer] = []

    def start(**knobs: Any) -> SandboxServer:
        knobs.setdefault("speed", 0.01)
        knobs.setdefault("seed", 1)
        clock = knobs.pop("clock", None)
        server = SandboxServer(SandboxConfig(**knobs), clock=clock).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory) -> SandboxServer:
    """A sandbox with no faults, its tasks done in 1 % of the documented times."""
    return sandbox_factory()
