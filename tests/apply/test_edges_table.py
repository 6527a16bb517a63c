"""docs/apply.md's table of edges is numbered without gaps, names a test for each edge, and each named test exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_edge_has_a_test_that_exists() -> None:
    section = (ROOT / "docs" / "apply.md").read_text().split("## Edges and their tests", 1)[1]
    rows = {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \|[^|]*\|(.*)\|$", section, re.MULTILINE)}
    assert len(rows) >= 31 and sorted(rows) == list(range(1, len(rows) + 1))
    for edge, tests in rows.items():
        node_ids = re.findall(r"`(tests/[^`:]+)::(\w+)`", tests)
        assert node_ids, f"edge {edge} names no test"
        for path, name in node_ids:
            assert f"def {name}(" in (ROOT / path).read_text(), f"edge {edge}: {path}::{name} does not exist"
