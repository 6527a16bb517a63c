"""Which state backend a run uses: the checkout's lockfile (the default) or PostgreSQL (CAMPAIGN_STATE_URL)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from runner.options import duration_seconds
from runner.redact import redact_url
from runner.state.errors import StateBackendError

if TYPE_CHECKING:
    from runner.state.postgres import PostgresState as StateBackend

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "NO_BACKEND",
    "StateBackend",
    "StateBackendError",
    "lease_seconds",
    "required_backend",
    "state_backend_from_env",
]

DEFAULT_LEASE_SECONDS = 120.0
NO_BACKEND = "no state backend: set CAMPAIGN_STATE_URL=postgresql://… (see docs/team.md)"


def state_backend_from_env(environ: Mapping[str, str] | None = None) -> StateBackend | None:
    """The PostgreSQL backend CAMPAIGN_STATE_URL names, or None (the lockfile in the checkout is the state)."""
    env = os.environ if environ is None else environ
    url = env.get("CAMPAIGN_STATE_URL", "").strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise StateBackendError(
            f"CAMPAIGN_STATE_URL must be a postgresql:// URL, not {redact_url(url)!r}; unset it to keep state in the lockfile"
        )
    from runner.state.postgres import PostgresState  # psycopg only when a backend is asked for

    return PostgresState(url)


def required_backend(environ: Mapping[str, str] | None = None) -> StateBackend:
    """The backend CAMPAIGN_STATE_URL names; an error when it is not set."""
    backend = state_backend_from_env(environ)
    if backend is None:
        raise StateBackendError(NO_BACKEND)
    return backend


def lease_seconds(spec_value: float | None, environ: Mapping[str, str] | None = None) -> float:
    """CAMPAIGN_LOCK_LEASE (seconds, or 90s / 2m) over the spec's apply.lock_lease over 2 minutes."""
    env = os.environ if environ is None else environ
    raw = env.get("CAMPAIGN_LOCK_LEASE", "").strip()
    if raw:
        value = duration_seconds(raw)
        if not 1.0 <= value <= 24 * 3600:
            raise StateBackendError(f"CAMPAIGN_LOCK_LEASE must be from 1s to 24h (e.g. 90s or 2m), not {raw!r}")
        return value
    return spec_value or DEFAULT_LEASE_SECONDS
