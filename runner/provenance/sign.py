"""Signing a video file in place with a C2PA manifest, and reading a file's manifest back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from runner.atomic import atomic_file
from runner.errors import ConfigError
from runner.provenance.keys import SigningKeys
from runner.provenance.manifest import ASSERTION

MIME = "video/mp4"
UNTRUSTED = "signingCredential.untrusted"  # a certificate no trust list names (the sandbox's CA, a private CA)


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a file's manifest says: the project's assertion, the validation state and its failure codes."""

    assertion: dict[str, Any] | None
    state: str
    failures: tuple[str, ...]
    source_type: str | None

    @property
    def intact(self) -> bool:
        """Valid but for an untrusted certificate: the file is as it was signed."""
        return all(code == UNTRUSTED for code in self.failures)


def sign_video(path: Path, manifest: dict[str, Any], keys: SigningKeys) -> tuple[str, int]:
    """Embed `manifest` into the MP4 at `path` (replaced atomically); return the signed file's sha256 and size."""
    info = c2pa.C2paSignerInfo(_algorithm(keys.key), keys.chain, keys.key, None)
    try:
        with (
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder(manifest) as builder,
            path.open("rb") as source,
            atomic_file(path, "w+b") as target,
        ):
            builder.sign(signer, MIME, source, target)
    except c2pa.C2paError as exc:
        raise ConfigError(f"cannot sign {path.name}: {exc}; check the certificate and key") from None
    return file_digest(path)


def file_digest(path: Path) -> tuple[str, int]:
    """The file's sha256 and size."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_credentials(path: Path) -> Credentials | None:
    """The file's content credentials; None when it carries no manifest."""
    try:
        with c2pa.Reader(str(path)) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError:
        return None
    active = (store.get("manifests") or {}).get(store.get("active_manifest") or "", {})
    assertions = {a.get("label"): a.get("data") for a in active.get("assertions") or ()}
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = tuple(str(f.get("code")) for f in results.get("failure") or ())
    actions = (assertions.get("c2pa.actions.v2") or assertions.get("c2pa.actions") or {}).get("actions") or [{}]
    return Credentials(
        assertions.get(ASSERTION), str(store.get("validation_state", "")), failures, actions[0].get("digitalSourceType")
    )


def _algorithm(key_pem: bytes) -> c2pa.C2paSigningAlg:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"the signing key cannot be read ({exc}); give an unencrypted PEM private key") from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {384: c2pa.C2paSigningAlg.ES384, 521: c2pa.C2paSigningAlg.ES512}.get(
            key.curve.key_size, c2pa.C2paSigningAlg.ES256
        )
    if isinstance(key, rsa.RSAPrivateKey):
        return c2pa.C2paSigningAlg.PS256
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return c2pa.C2paSigningAlg.ED25519
    raise ConfigError("the signing key is neither EC, RSA nor Ed25519; C2PA cannot sign with it")
