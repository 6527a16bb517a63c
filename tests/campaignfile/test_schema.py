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


def test_an_enum_error_lists_every_valid_value_even_a_long_list() -> None:
    data = {
        "version": 1,
        "campaign": "x",
        "refresh": [
            {
                "id": "r",
                "source": {"url": "https://x.example/a.mp4"},
                "strategies": ["ADD_HOOK"],
                "hook": {"type": "HOLIDAY", "product_category": "CLOTHES"},
            }
        ],
    }
    messages = dict(schema_problems(data))
    message = messages["refresh[0].hook.product_category"]
    assert "documented values" not in message
    assert "CLOTHING_AND_ACCESSORIES" in message and "UTILITY_SOFTWARE" in message and "AUTOMOTIVE" in message
