"""One live sandbox per module and the CLI as a subprocess, for the command tests that apply."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Four videos: two avatars x two scripts.
SPEC = """\
version: 1
campaign: {name}
avatars:
  a0: {{id: "7295705233773068290"}}
  a1: {{id: "7301881390801354754"}}
scripts:
  s0: {{text: "Script zero for {{{{ avatar }}}}."}}
  s1: {{text: "Script one for {{{{ avatar }}}}."}}
videos:
  - id: promo
    avatars: [a0, a1]
    scripts: [s0, s1]
    name: "{{{{ avatar }}}}-{{{{ script }}}}"
"""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    """One live sandbox for the module (speed 1 % of the documented times)."""
    from runner.sandbox.config import SandboxConfig
    from runner.sandbox.server import SandboxServer

    server = SandboxServer(SandboxConfig(speed=0.01, seed=1)).start()
    yield server
    server.stop()


def _campaign(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=180
    )


def _apply(env: dict[str, str], spec: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _campaign(env, "apply", str(spec), "--yes", "--accept-notices", *args)


@pytest.fixture
def cli() -> types.SimpleNamespace:
    """`cli.campaign(env, *args)`, `cli.apply(env, spec, *args)` and `cli.spec(name)` (conftest cannot be imported)."""
    return types.SimpleNamespace(campaign=_campaign, apply=_apply, spec=lambda name: SPEC.format(name=name))
