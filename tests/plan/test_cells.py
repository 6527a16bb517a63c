"""The cells of a group's matrix and the index refresh groups find their sources by."""

from __future__ import annotations

from runner.plan.cells import Cell, CellIndex


def _made() -> list[tuple[Cell, str]]:
    cells: list[Cell] = [
        {"avatar": a, "script": s, "n": n} for a in ("tom", "ana") for s in ("hook", "story") for n in (1, True, "1")
    ]
    return [(cell, f"key-{i}") for i, cell in enumerate(cells)]


def test_where_selects_by_typed_values_in_matrix_order() -> None:
    index = CellIndex(_made())
    assert [key for _, key in index.matching({"avatar": "ana", "n": 1})] == ["key-6", "key-9"]
    assert [key for _, key in index.matching({"n": True, "script": "story"})] == ["key-4", "key-10"]
    assert [key for _, key in index.matching({"n": "1"})] == ["key-2", "key-5", "key-8", "key-11"]


def test_no_where_is_every_cell_and_an_unknown_key_or_value_is_none() -> None:
    index = CellIndex(_made())
    assert index.matching({}) == _made()
    assert index.matching({"colour": "red"}) == []
    assert index.matching({"avatar": "zoe", "script": "hook"}) == []
