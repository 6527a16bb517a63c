"""The schema files' enums are the built-in registry entries; the schemas in use take registered ones too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from runner.paths import package_json
from runner.vocabulary.kinds import KindSpec, key_pattern, kinds, register_kind, unregister_kind
from runner.vocabulary.providers import TIKTOK, campaign_providers, default_provider
from runner.vocabulary.schemas import filled_campaign_schema, filled_lockfile_schema, job_providers
from runner.vocabulary.states import JobState

CAMPAIGN = package_json("schemas", "campaign.schema.json")
LOCKFILE = package_json("schemas", "lockfile.schema.json")


def provider_enums(node: Any) -> Iterator[list[str]]:
    """Every `provider` enum of a schema."""
    if isinstance(node, dict):
        field = (node.get("properties") or {}).get("provider")
        if isinstance(field, dict) and "enum" in field:
            yield field["enum"]
        for child in node.values():
            yield from provider_enums(child)
    elif isinstance(node, list):
        for child in node:
            yield from provider_enums(child)


def test_the_campaign_schema_file_lists_the_campaign_providers() -> None:
    enums = list(provider_enums(CAMPAIGN))
    assert len(enums) == 3 and all(enum == list(campaign_providers()) for enum in enums)
    assert CAMPAIGN["properties"]["provider"]["default"] == default_provider()


def test_the_lockfile_schema_file_lists_the_kinds_providers_states_and_key_pattern() -> None:
    job = LOCKFILE["$defs"]["job"]["properties"]
    assert job["kind"]["enum"] == [str(k.name) for k in kinds()]
    assert job["provider"]["enum"] == job_providers()
    assert job["state"]["enum"] == [s.value for s in JobState]
    assert LOCKFILE["properties"]["jobs"]["propertyNames"]["pattern"] == key_pattern().pattern


def test_filling_the_files_changes_nothing_for_the_built_in_entries() -> None:
    assert filled_campaign_schema(CAMPAIGN) == CAMPAIGN
    assert filled_lockfile_schema(LOCKFILE) == LOCKFILE


@pytest.fixture
def extra_kind() -> Iterator[KindSpec]:
    spec = register_kind(KindSpec("clip_video", "cv", TIKTOK, 1, "clip", "tests.nowhere:Clips"))
    yield spec
    unregister_kind(spec.name)


def test_a_registered_kind_validates_in_a_lockfile(extra_kind: KindSpec) -> None:
    record = {"kind": extra_kind.name, "provider": TIKTOK, "state": "pending", "addresses": ["videos.x"]}
    data = {"version": 2, "campaign": "c", "serial": 1, "jobs": {"cv-0123456789abcdef": record}}
    jsonschema.validate(data, filled_lockfile_schema(LOCKFILE))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, LOCKFILE)
