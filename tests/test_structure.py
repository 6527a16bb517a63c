"""The shape rules docs/architecture.md states: small modules, short functions, outside the emulator."""

from __future__ import annotations

import ast
from pathlib import Path

RUNNER = Path(__file__).parent.parent / "runner"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def product_modules() -> list[Path]:
    """Every Python module of runner/ outside the emulator."""
    return sorted(p for p in RUNNER.rglob("*.py") if "sandbox" not in p.relative_to(RUNNER).parts)


def test_no_module_outside_the_sandbox_is_over_400_lines() -> None:
    too_long = {
        str(p.relative_to(RUNNER)): n
        for p in product_modules()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not too_long, f"split these modules (over {MAX_MODULE_LINES} lines): {too_long}"


def test_no_function_outside_the_sandbox_is_over_60_lines() -> None:
    too_long = {}
    for path in product_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long[f"{path.relative_to(RUNNER)}:{node.lineno} {node.name}"] = lines
    assert not too_long, f"split these functions (over {MAX_FUNCTION_LINES} lines): {too_long}"
