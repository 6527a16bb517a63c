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
    for values in itertools.product(*(values for _, values in axes)):
        cell = dict(zip(names, values, strict=True))
        typed = {k: typed_key(v) for k, v in cell.items()}
        if any(all(typed.get(k) == v for k, v in ex) for ex in excludes):
            continue
        cells.append(cell)
        seen.add(tuple(typed.items()))
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
