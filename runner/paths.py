"""Where the project's own files live."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
SCHEMAS_DIR = PROJECT_DIR / "schemas"
TEMPLATES_DIR = PROJECT_DIR / "templates"


def lock_path_for(spec_path: Path) -> Path:
    """Return the default lockfile path beside a spec: `x.yaml` -> `x.lock.yaml`."""
    name = spec_path.name
    for suffix in (".yaml", ".yml"):
        if name.endswith(suffix):
            return spec_path.with_name(name[: -len(suffix)] + ".lock.yaml")
    return spec_path.with_name(name + ".lock.yaml")
