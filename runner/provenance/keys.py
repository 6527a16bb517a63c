"""Signing keys: a certificate chain and its private key, never shown."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """A certificate chain (leaf first) and its private key, PEM; `origin` says where they came from."""

    chain: bytes = field(repr=False)
    key: bytes = field(repr=False)
    origin: str
