"""Read the group and the cell back out of a job address such as `videos.promo[avatar=tom,product="Trail Boot"]`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """The parts of an address the gallery filters on."""

    section: str  # "videos" or "refresh"
    group: str
    cell: tuple[tuple[str, str], ...]


def parse_address(address: str) -> ParsedAddress:
    """Split `SECTION.GROUP[KEY=VALUE,...]`; tolerant: anything unexpected stays in the group name."""
    section, _, rest = address.partition(".")
    group, bracket, tail = rest.partition("[")
    if group.endswith(".source"):
        group = group[: -len(".source")]
    if not bracket:
        return ParsedAddress(section, group, ())
    body = tail.rsplit("]", 1)[0]
    return ParsedAddress(section, group, tuple(_pairs(body)))


def _pairs(body: str) -> list[tuple[str, str]]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in body:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    pairs = []
    for part in parts:
        key, eq, value = part.partition("=")
        if eq:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            pairs.append((key.strip(), value))
    return pairs
