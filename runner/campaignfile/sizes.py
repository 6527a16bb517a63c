"""Size limits that keep a small file from asking for huge work: defaults and the `limits:` block."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_YAML_NODES = 100_000
DEFAULT_CELLS_PER_GROUP = 100_000
DEFAULT_JOBS = 250_000
DEFAULT_RENDERED_CHARS = 100_000


@dataclass(frozen=True, slots=True)
class SizeLimits:
    """The `limits:` block: caps on YAML values, cells per group, jobs, and rendered characters."""

    yaml_nodes: int = DEFAULT_YAML_NODES
    cells_per_group: int = DEFAULT_CELLS_PER_GROUP
    jobs: int = DEFAULT_JOBS
    rendered_chars: int = DEFAULT_RENDERED_CHARS

    @classmethod
    def from_block(cls, block: Mapping[str, Any] | None) -> SizeLimits:
        """Read a schema-valid `limits:` mapping; absent keys keep their defaults."""
        given = {k: int(v) for k, v in (block or {}).items() if k in cls.__dataclass_fields__}
        return cls(**given)


def group_cells(axis_lengths: list[int], includes: int) -> int:
    """How many cells a group has at most (before `exclude`), without building any."""
    total = 1
    for length in axis_lengths:
        total *= length
    return total + includes
