"""Where the project's own files live (package data), and where a spec's templates are looked up."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

PACKAGE = "runner"


def package_text(*parts: str) -> str:
    """Return a text file shipped inside the package (works from a wheel, a zip or a checkout)."""
    node = resources.files(PACKAGE)
    for part in parts:
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


@cache
def package_json(*parts: str) -> Any:
    """Return a JSON file shipped inside the package, parsed once per process."""
    return json.loads(package_text(*parts))


def template_dirs(spec_path: Path) -> tuple[Path, ...]:
    """Folders searched for `template:` files: `templates/` beside the spec, then beside its folder."""
    folder = spec_path.resolve().parent
    return (folder / "templates", folder.parent / "templates")
