"""Where the providers are: the process environment, or a bundled sandbox started for the duration."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, Mapping

SANDBOX_TIME_SCALE = 0.01  # `--sandbox` runs: a virtual second lasts 10 ms unless CAMPAIGN_TIME_SCALE says otherwise


@contextlib.contextmanager
def provider_environment(sandbox: bool, state_file: Path | None = None) -> Iterator[Mapping[str, str]]:
    """Yield the variables that point the clients at the providers (the sandbox's, with `--sandbox`)."""
    if not sandbox:
        yield os.environ
        return
    from runner.sandbox.config import SandboxConfig
    from runner.sandbox.server import SandboxServer

    scale = float(os.environ.get("CAMPAIGN_TIME_SCALE") or SANDBOX_TIME_SCALE)
    with SandboxServer(SandboxConfig(time_scale=scale, state_file=state_file)) as server:
        yield server.env()
