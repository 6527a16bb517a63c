"""Redaction knows every registered provider's secret variables, whatever they are called."""

from __future__ import annotations

from runner.redact import redact, secret_values
from runner.vocabulary.providers import Credential, ProviderSpec, register_provider, unregister_provider


def test_a_registered_provider_s_secret_is_masked_even_under_an_unusual_name() -> None:
    env = {"ACME_PASSPHRASE": "open-sesame-42", "ACME_ACCOUNT": "account-7"}
    assert secret_values(env) == []
    register_provider(
        ProviderSpec(
            "acme",
            "Acme",
            "ACME_API_BASE_URL",
            "https://api.acme.test",
            (Credential("ACME_PASSPHRASE"), Credential("ACME_ACCOUNT", secret=False)),
            "runner.providers.zego:ZegoClient",
        )
    )
    try:
        secrets = secret_values(env)
    finally:
        unregister_provider("acme")
    assert secrets == ["open-sesame-42"]
    assert redact("said open-sesame-42 to account-7", secrets) == "said *** to account-7"
