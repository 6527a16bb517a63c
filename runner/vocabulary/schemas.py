"""The JSON schemas' enums filled from the registries, so that a provider or kind registered at run time validates.

The schema files keep their enums for editors; a test keeps them equal to the built-in entries.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from runner.vocabulary.kinds import key_pattern, kinds
from runner.vocabulary.providers import campaign_providers, providers
from runner.vocabulary.states import JobState


def job_providers() -> list[str]:
    """The providers some job kind belongs to, in registration order."""
    makers = {k.provider for k in kinds()}
    return [p.name for p in providers() if p.name in makers]


def filled_campaign_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the campaign file schema whose every `provider` enum lists the campaign providers."""
    filled: dict[str, Any] = copy.deepcopy(dict(schema))
    for node in _nodes(filled):
        field = (node.get("properties") or {}).get("provider")
        if isinstance(field, dict) and "enum" in field:
            field["enum"] = list(campaign_providers())
    return filled


def filled_lockfile_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the lockfile schema with the job kinds, providers, states and key pattern of the registries."""
    filled: dict[str, Any] = copy.deepcopy(dict(schema))
    job = filled["$defs"]["job"]["properties"]
    job["kind"]["enum"] = [str(k.name) for k in kinds()]
    job["provider"]["enum"] = job_providers()
    job["state"]["enum"] = [s.value for s in JobState]
    filled["properties"]["jobs"]["propertyNames"]["pattern"] = key_pattern().pattern
    return filled


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside a JSON value, the value itself included."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from _nodes(child)
