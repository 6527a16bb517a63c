"""Scalar values as the YAML reads them: typed equality, display, and parsing of typed-in text."""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Iterable

Scalar = str | int | float | bool


class YamlInt(int):
    """An integer that remembers how it was written (`0x1F`, `007`), so it renders as typed."""

    text: str

    def __new__(cls, value: int, text: str) -> YamlInt:
        """Make the integer `value`, written as `text`."""
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    def __reduce__(self) -> tuple[type[YamlInt], tuple[int, str]]:
        return (YamlInt, (int(self), self.text))


class YamlFloat(float):
    """A decimal number that remembers how it was written: `19.90` renders as `19.90`."""

    text: str

    def __new__(cls, value: float, text: str) -> YamlFloat:
        """Make the number `value`, written as `text`."""
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    def __reduce__(self) -> tuple[type[YamlFloat], tuple[float, str]]:
        return (YamlFloat, (float(self), self.text))


# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


def int_from_text(text: str) -> YamlInt:
    """`0x1F` -> 31, `0o17` -> 15, `-007` -> -7, each keeping its text."""
    if text.startswith("0x"):
        return YamlInt(int(text[2:], 16), text)
    if text.startswith("0o"):
        return YamlInt(int(text[2:], 8), text)
    return YamlInt(int(text, 10), text)


def float_from_text(text: str) -> YamlFloat:
    """`19.90` -> 19.9 written `19.90`; `.inf`, `-.inf` and `.nan` as YAML spells them."""
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return YamlFloat(-math.inf if lowered.startswith("-") else math.inf, text)
    if lowered == ".nan":
        return YamlFloat(math.nan, text)
    return YamlFloat(float(text), text)


def scalar_from_text(text: str) -> Scalar | None:
    """Read `text` as an unquoted YAML 1.2 scalar would read: `true`, `2`, `19.90`, or the string."""
    if NULL_RE.match(text):
        return None
    if BOOL_RE.match(text):
        return text.lower() == "true"
    if INT_RE.match(text):
        return int_from_text(text)
    if FLOAT_RE.match(text):
        return float_from_text(text)
    return text


def typed_key(value: object) -> tuple[str, object]:
    """A hashable key equal for two values exactly when the YAML reads them as the same value."""
    if value is None:
        return ("null", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", int(value))
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else float(value))
    if isinstance(value, str):
        return ("str", value)
    return (type(value).__name__, repr(value))


def same_value(left: object, right: object) -> bool:
    """True when both are the same type and value: `true` != `1` != `1.0`, `"2"` != `2`."""
    return typed_key(left) == typed_key(right)


def kind_name(value: object) -> str:
    """`a string`, `a number`, `a decimal number`, `a boolean` or `nothing`."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def shown(value: object) -> str:
    """The value as YAML would write it: `"2"`, `2`, `19.90`, `true`, `null`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def shown_typed(value: object) -> str:
    """`"2" (a string)`: the value and its type, for messages where types differ."""
    return f"{shown(value)} ({kind_name(value)})"


def near_value(value: object, candidates: Iterable[object]) -> str:
    """`; did you mean 2 (a number)?` when a candidate reads alike, else the closest by text, else ``."""
    options = list(candidates)
    for option in options:
        if not same_value(option, value) and (_bare(option) == _bare(value) or _same_number(option, value)):
            return f"; did you mean {shown_typed(option)}?"
    texts = {_bare(option): option for option in options}
    close = difflib.get_close_matches(_bare(value), sorted(texts), n=1, cutoff=0.6)
    return f"; did you mean {shown(texts[close[0]])}?" if close else ""


def _same_number(left: object, right: object) -> bool:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
    return numbers and float(left) == float(right)  # type: ignore[arg-type]


def _bare(value: object) -> str:
    text = shown(value)
    return text[1:-1] if isinstance(value, str) else text.lower()


def value_mismatch(value: object, key: str, scope: str, candidates: Iterable[object]) -> str:
    """`"2" (a string) is not a value of 'n' in this group; did you mean 2 (a number)?`."""
    options = list(candidates)
    for option in options:
        if _bare(option) == _bare(value) or _same_number(option, value):
            return f"{shown_typed(value)} is not a value of '{key}' {scope}; did you mean {shown_typed(option)}?"
    kinds = sorted({kind_name(option) for option in options})
    if options and kind_name(value) not in kinds:
        plural = " and ".join(kind.removeprefix("a ").removeprefix("an ") + "s" for kind in kinds)
        return f"{shown_typed(value)} is not a value of '{key}' {scope}; its values are {plural}"
    return f"{shown(value)} is not a value of '{key}' {scope}" + near_value(value, options)


def address_text(value: object) -> str:
    """A value inside an address, typed as YAML reads it: `true`, `1`, `1.0`, `"1"` (a string), `City Boot`."""
    if isinstance(value, str):
        return _string_address(value)
    return shown(value)


@functools.lru_cache(maxsize=1 << 16)  # every cell of a matrix names the same few axis values
def _string_address(value: str) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(scalar_from_text(value), str) else value
