"""Where the signing keys come from: the PEM files named in the environment, or the sandbox's throwaway CA."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509

from runner.errors import ConfigError
from runner.provenance.credentials import signing_keys, unsigned_reason
from runner.provenance.sandbox_ca import SANDBOX_ORIGIN, sandbox_keys


def test_without_the_variables_nothing_is_signed_and_the_reason_names_them() -> None:
    assert signing_keys({}, sandbox=False) is None
    assert "CAMPAIGN_C2PA_CERT" in (unsigned_reason({}, sandbox=False) or "")
    assert unsigned_reason({}, sandbox=True) is None


def test_one_variable_alone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CAMPAIGN_C2PA_KEY is not set"):
        signing_keys({"CAMPAIGN_C2PA_CERT": str(tmp_path / "c.pem")}, sandbox=False)


def test_a_file_that_is_not_pem_is_refused_without_showing_it(tmp_path: Path) -> None:
    (tmp_path / "c.pem").write_text("secret-looking text")
    (tmp_path / "k.pem").write_text("secret-looking text")
    with pytest.raises(ConfigError) as caught:
        signing_keys(
            {"CAMPAIGN_C2PA_CERT": str(tmp_path / "c.pem"), "CAMPAIGN_C2PA_KEY": str(tmp_path / "k.pem")}, sandbox=False
        )
    assert "is not a PEM file" in str(caught.value) and "secret-looking" not in str(caught.value)


def test_the_sandbox_ca_issues_a_leaf_for_signing_and_never_shows_its_key() -> None:
    keys = signing_keys({}, sandbox=True)
    assert keys is not None and keys.origin == SANDBOX_ORIGIN and keys is sandbox_keys()
    leaf, ca = x509.load_pem_x509_certificates(keys.chain)
    assert leaf.issuer == ca.subject and not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert "PRIVATE" not in repr(keys)
