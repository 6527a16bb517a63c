"""The campaign JSON Schema and its errors as located, human problems."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema

from runner.campaignfile import values
from runner.campaignfile.templates import did_you_mean
from runner.campaignfile.yaml_source import child_path
from runner.paths import package_json
from runner.vocabulary.providers import campaign_providers
from runner.vocabulary.schemas import filled_campaign_schema

CAMPAIGN_SCHEMA: dict[str, Any] = package_json("schemas", "campaign.schema.json")  # as editors read it


@cache
def _validator(names: tuple[str, ...]) -> jsonschema.Draft202012Validator:
    """The validator of the schema for these campaign providers (built again when a provider is registered)."""
    return jsonschema.Draft202012Validator(filled_campaign_schema(CAMPAIGN_SCHEMA))


def schema_problems(data: Any) -> Iterator[tuple[str, str]]:
    """Yield (data path, message) for every schema violation, most specific first."""
    for error in _validator(campaign_providers()).iter_errors(data):
        yield from _explain(error)


def without_invalid(data: dict[str, Any], rounds: int = 5) -> tuple[dict[str, Any] | None, set[tuple[Any, ...]]]:
    """A copy of `data` with every schema-invalid part removed (list items become None), and what was removed.

    What is left can still be checked for references, templates and limits, so that one
    schema error does not hide the others. None when nothing sensible is left.
    """
    data = copy.deepcopy(data)
    removed: set[tuple[Any, ...]] = set()
    for _ in range(rounds):
        validator = _validator(campaign_providers())
        errors = [e for e in validator.iter_errors(data) if not _hole(e)]
        if not errors:
            return data, removed
        targets: set[tuple[Any, ...]] = set()
        for error in errors:
            parts = tuple(error.absolute_path)
            if error.validator == "additionalProperties" and isinstance(error.instance, dict):
                known = (error.schema or {}).get("properties", {}) if isinstance(error.schema, dict) else {}
                targets.update(
                    parts + (key,) for key in error.instance if key not in known and not str(key).startswith("x-")
                )
            elif not parts and error.validator == "required":
                data.setdefault("version", 1)
                data.setdefault("campaign", "campaign")
            elif parts:
                targets.add(parts)
            else:
                return None, removed
        for parts in sorted(targets, key=len, reverse=True):
            _remove(data, parts)
        removed |= targets
    return None, removed


def _hole(error: jsonschema.ValidationError) -> bool:
    """An error about a list item already removed (None): the list keeps its indexes for messages."""
    path = tuple(error.absolute_path)
    return error.instance is None and bool(path) and isinstance(path[-1], int)


def _remove(data: Any, parts: tuple[Any, ...]) -> None:
    parent = data
    for part in parts[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return
    last = parts[-1]
    if isinstance(parent, dict):
        parent.pop(last, None)
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        parent[last] = None


def _path(parts: Any) -> str:
    path = ""
    for part in parts:
        path = child_path(path, part)
    return path


def _explain(error: jsonschema.ValidationError) -> Iterator[tuple[str, str]]:
    path = _path(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(schema.get("properties", {}))
        for key in sorted(k for k in error.instance if k not in schema.get("properties", {})):
            allowed = ", ".join(known) + (", or any x-* key" if schema.get("patternProperties") else "")
            yield child_path(path, key), f"unknown key '{key}'" + (did_you_mean(key, known) or f"; allowed: {allowed}")
    elif error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        yield path, f"missing required key '{missing}'"
    elif error.validator in ("enum", "const"):
        allowed = schema.get("enum", [schema.get("const")])
        alike = [a for a in allowed if values.shown(a).strip('"') == values.shown(error.instance).strip('"')]
        if alike:  # `version: "1"`: the text is right, the type is not
            yield path, f"{values.shown_typed(error.instance)} is not allowed here; use {values.shown_typed(alike[0])}"
            return
        hint = did_you_mean(str(error.instance), [str(a) for a in allowed]) if isinstance(error.instance, str) else ""
        shown = ", ".join(str(a) for a in allowed)
        yield (
            path,
            f"{error.instance!r} is not allowed here" + (f"{hint} Valid values: {shown}" if hint else f"; use {shown}"),
        )
    elif error.validator == "oneOf":
        keys = [next(iter(s.get("required", [])), "") for s in schema.get("oneOf", [])]
        names = [repr(k) for k in keys]
        yield path, f"give exactly one of {', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
    elif error.validator == "pattern":
        yield path, f"{error.instance!r} does not match the pattern {schema.get('pattern')}" + _pattern_hint(path)
    elif error.validator == "propertyNames":
        bad = error.instance if not isinstance(error.instance, dict) else ""
        yield path, f"invalid name {bad!r}: use letters, digits, '-' and '_'" if bad else error.message
    elif error.validator == "maxLength":
        yield path, f"{error.instance!r} is longer than {schema.get('maxLength')} characters"
    elif error.validator == "type":
        got = "float" if isinstance(error.instance, float) else type(error.instance).__name__  # YamlFloat too
        yield path, f"expected {_type_name(schema.get('type'))}, got {_type_name(got)}"
    elif error.validator == "minItems":
        yield path, "must not be empty"
    else:
        yield path, error.message


def _pattern_hint(path: str) -> str:
    if path == "campaign":
        return " (lowercase letters, digits and '-', starting with a letter or digit)"
    return ""


def _type_name(value: Any) -> str:
    names = {
        "object": "a mapping",
        "dict": "a mapping",
        "array": "a list",
        "list": "a list",
        "string": "a string",
        "str": "a string",
        "integer": "an integer",
        "int": "an integer",
        "boolean": "true or false",
        "bool": "true or false",
        "NoneType": "nothing",
        "float": "a number",
        "number": "a number",
    }
    if isinstance(value, list):
        return " or ".join(names.get(str(v), str(v)) for v in value)
    return names.get(str(value), str(value))
