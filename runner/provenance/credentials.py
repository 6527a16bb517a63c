"""The signing credentials: PEM files named by `CAMPAIGN_C2PA_CERT` / `CAMPAIGN_C2PA_KEY`, or the sandbox's throwaway CA."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from runner.errors import ConfigError
from runner.provenance.keys import SigningKeys

CERT_VARIABLE = "CAMPAIGN_C2PA_CERT"
KEY_VARIABLE = "CAMPAIGN_C2PA_KEY"


def signing_keys(env: Mapping[str, str], *, sandbox: bool) -> SigningKeys | None:
    """The keys to sign with: the sandbox's throwaway CA under `--sandbox`, else the PEM files; None when unset."""
    if sandbox:
        from runner.provenance.sandbox_ca import sandbox_keys  # cryptography loads only for a run that signs

        return sandbox_keys()
    cert, key = env.get(CERT_VARIABLE, ""), env.get(KEY_VARIABLE, "")
    if not cert and not key:
        return None
    if not (cert and key):
        missing = KEY_VARIABLE if cert else CERT_VARIABLE
        raise ConfigError(f"{missing} is not set; set both {CERT_VARIABLE} and {KEY_VARIABLE} (PEM files) to sign")
    return SigningKeys(_read(CERT_VARIABLE, cert), _read(KEY_VARIABLE, key), CERT_VARIABLE)


def unsigned_reason(env: Mapping[str, str], *, sandbox: bool) -> str | None:
    """Why downloaded videos are not signed (None when they are)."""
    if sandbox or (env.get(CERT_VARIABLE) and env.get(KEY_VARIABLE)):
        return None
    return f"videos are not signed: set {CERT_VARIABLE} and {KEY_VARIABLE} (PEM files) to add content credentials"


def _read(variable: str, path: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{variable}: cannot read {path}: {exc.strerror or exc}") from None
    if b"-----BEGIN" not in data:
        raise ConfigError(f"{variable}: {path} is not a PEM file")
    return data
