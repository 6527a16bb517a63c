"""What the checks of one campaign file share: its schema-valid data, where things are, and the problems found."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.campaignfile.model import SourceMap
from runner.campaignfile.sizes import SizeLimits
from runner.campaignfile.templates import TemplateProblem, check_template
from runner.campaignfile.values import typed_key
from runner.errors import Problem
from runner.paths import template_dirs


def present(items: Any) -> list[tuple[int, Any]]:
    """(index, item) of a list whose schema-invalid items were removed (None)."""
    return [(i, item) for i, item in enumerate(items or []) if item is not None]


class Checker:
    """References, static API limits, sizes and templates of the schema-valid parts of a document."""

    def __init__(
        self, path: Path, file: str, data: dict[str, Any], source_map: SourceMap, broken: set[tuple[str, str]]
    ) -> None:
        self.path = path
        self.file = file
        self.data = data
        self.map = source_map
        self.problems: list[Problem] = []
        self.template_dirs = template_dirs(path)
        self.limits = SizeLimits.from_block(data.get("limits"))
        # Names whose definitions the schema already refused: references to them are not errors again.
        self.broken_names = broken
        self.broken_groups = {name for section, name in broken if section == "groups"}
        self.group_sizes: dict[str, int] = {}
        self.group_axes: dict[str, Mapping[str, tuple[Any, ...]]] = {}
        self.oversized: set[str] = set()
        self.removed_paths: set[str] = set()
        self._typed_values: dict[int, tuple[tuple[Any, ...], Counter[tuple[str, object]]]] = {}

    def typed_values(self, values: tuple[Any, ...]) -> Counter[tuple[str, object]]:
        """How many of an axis's values read as each typed value: counted once per axis, as every refresh asks."""
        known = self._typed_values.get(id(values))
        if known is None or known[0] is not values:
            known = self._typed_values[id(values)] = (values, Counter(typed_key(v) for v in values))
        return known[1]

    def pruned(self, where: str) -> bool:
        """True when the schema already refused `where` or something inside it (no follow-on messages)."""
        return any(p == where or p.startswith((where + ".", where + "[")) for p in self.removed_paths)

    def problem(self, where: str, message: str) -> None:
        """Record a problem at a data path."""
        line, col = self.map.at(where)
        self.problems.append(Problem(self.file, line, col, where, message))

    def template(self, where: str, source: str) -> bool:
        """Whether a template parses; a problem at `where` when it does not."""
        try:
            check_template(source)
        except TemplateProblem as exc:
            self.problem(where, str(exc))
            return False
        return True
