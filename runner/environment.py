"""Where the providers are: the process environment, or a bundled sandbox started for the run."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from runner.errors import ConfigError
from runner.settings import check_campaign_variables

SANDBOX_SPEED = 0.01  # `--sandbox` runs: tasks take 1 % of the documented times, on the real clock


@contextlib.contextmanager
def provider_environment(sandbox: bool, state_file: Path | None = None) -> Iterator[Mapping[str, str]]:
    """Yield the variables that point the clients at the providers (the sandbox's, with `--sandbox`)."""
    check_campaign_variables(os.environ)
    if not sandbox:
        yield os.environ
        return
    from runner.sandbox.config import SandboxConfig
    from runner.sandbox.server import SandboxServer
    from runner.sandbox.world import SavedStateError

    try:
        server = SandboxServer(SandboxConfig(speed=SANDBOX_SPEED, state_file=state_file))
    except SavedStateError as exc:
        raise ConfigError(
            f"{exc}; it holds only the bundled sandbox's pretend videos: delete it to start the sandbox afresh"
        ) from None
    with server:
        yield server.env()
