"""The cells of a video group's matrix, and the stable texts that name them."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from runner.campaignfile.model import Scalar, VideoGroup
from runner.campaignfile.templates import slug
from runner.campaignfile.values import address_text, typed_key

Cell = dict[str, Scalar]


def matrix_cells(group: VideoGroup) -> list[Cell]:
    """Every cell of a group: avatars x scripts x axes, minus `exclude`, plus `include` (values compared as typed)."""
    axes = [("avatar", group.avatars), ("script", group.scripts), *group.matrix]
    names = [name for name, _ in axes]
    excludes = [[(k, typed_key(v)) for k, v in ex.items()] for ex in group.exclude]
    cells: list[Cell] = []
    seen: set[tuple[tuple[str, object], ...]] = set()
    if not excludes and not group.include:  # nothing to compare: every combination once, in order
        return [dict(zip(names, values, strict=True)) for values in itertools.product(*(v for _, v in axes))]
    # Each axis value is typed once, not once per cell: (value, (name, typed key)) pairs.
    typed_axes = [[(v, (name, typed_key(v))) for v in values] for name, values in axes]
    for combination in itertools.product(*typed_axes):
        typed_items = tuple(pair for _, pair in combination)
        if excludes:
            typed = dict(typed_items)
            if any(all(typed.get(k) == v for k, v in ex) for ex in excludes):
                continue
        cells.append(dict(zip(names, (value for value, _ in combination), strict=True)))
        seen.add(typed_items)
    for extra in group.include:
        cell = {name: extra[name] for name in names if name in extra}
        key = tuple((k, typed_key(v)) for k, v in cell.items())
        if key not in seen:
            seen.add(key)
            cells.append(cell)
    return cells


def default_name(group_id: str, cell: Mapping[str, Scalar]) -> str:
    """`promo-isabelle-teaser-city-boot`: the group and the cell's values, slugged."""
    return "-".join([group_id, *(slug(v) or f"{k}-x" for k, v in cell.items())])


def cell_label(cell: Mapping[str, Scalar]) -> str:
    """`avatar=tom,script=story,product=City Boot`: the stable, readable form of a cell."""
    return ",".join(f"{k}={address_text(v)}" for k, v in cell.items())


def described(cell: Mapping[str, Scalar]) -> str:
    """`avatar=tom, script=story`: a cell as messages show it."""
    return cell_label(cell).replace(",", ", ")


class CellIndex:
    """The cells of a group that made jobs, as (cell, job key), found by the typed values of their keys."""

    def __init__(self, cells: list[tuple[Cell, str]]) -> None:
        self.cells = cells
        self._positions: dict[str, dict[tuple[str, object], set[int]]] = {}  # key -> typed value -> positions

    def matching(self, where: Mapping[str, Scalar]) -> list[tuple[Cell, str]]:
        """The cells whose values equal all of `where` (compared as typed), in matrix order."""
        if not where:
            return self.cells
        for name in where:
            if name not in self._positions:  # indexed once per key that some `where` names
                by_value: dict[tuple[str, object], set[int]] = {}
                for position, (cell, _) in enumerate(self.cells):
                    if name in cell:
                        by_value.setdefault(typed_key(cell[name]), set()).add(position)
                self._positions[name] = by_value
        # The smallest set filtered by the others: a refresh per product does not copy the cells of a whole avatar.
        found = sorted((self._positions[name].get(typed_key(value), set()) for name, value in where.items()), key=len)
        return [self.cells[p] for p in sorted(p for p in found[0] if all(p in other for other in found[1:]))]
