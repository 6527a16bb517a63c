"""The campaign file schema in use lists the campaign providers registered now."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner.campaignfile.schema import schema_problems
from runner.vocabulary.providers import ProviderSpec, register_provider, unregister_provider

DOCUMENT = {"version": 1, "campaign": "c", "provider": "acme"}


@pytest.fixture
def acme() -> Iterator[ProviderSpec]:
    spec = register_provider(
        ProviderSpec("acme", "Acme", "ACME_API_BASE_URL", "https://api.acme.test", (), "tests.nowhere:AcmeClient")
    )
    yield spec
    unregister_provider(spec.name)


def test_an_unregistered_provider_is_refused_with_the_registered_ones() -> None:
    problems = list(schema_problems(DOCUMENT))
    assert problems == [("provider", "'acme' is not allowed here; use tiktok, heygen")]


def test_a_registered_provider_validates(acme: ProviderSpec) -> None:
    assert list(schema_problems(DOCUMENT)) == []
