"""Where the project's own files live, and where a spec's companions go."""

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


STATE_DIR_NAME = ".campaign"  # untracked: journal, saved pacing, sandbox account, temp files of atomic writes


def spec_stem(spec_path: Path) -> str:
    """`winter-boots.yaml` -> `winter-boots`."""
    name = spec_path.name
    for suffix in (".yaml", ".yml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def lock_path_for(spec_path: Path, *, sandbox: bool = False) -> Path:
    """The default lockfile beside a spec: `x.yaml` -> `x.lock.yaml`, or `x.sandbox.lock.yaml` with `--sandbox`."""
    return spec_path.with_name(spec_stem(spec_path) + (".sandbox.lock.yaml" if sandbox else ".lock.yaml"))


def state_dir_for(spec_path: Path) -> Path:
    """The untracked state folder beside a spec (`.campaign/`): journals, saved pacing, the sandbox's account."""
    return spec_path.parent / STATE_DIR_NAME


def scratch_dir_for(path: Path) -> Path:
    """Where atomic writes of `path` keep their temp files: the state folder beside it, which git ignores."""
    return path.parent / STATE_DIR_NAME / "tmp"


def sandbox_only_note(spec_path: Path, lock_override: Path | None, sandbox: bool) -> str | None:
    """A note for `plan`/`status` without `--sandbox` when only the sandbox's lockfile exists (after the demo)."""
    if sandbox or lock_override is not None:
        return None
    real, sandboxed = lock_path_for(spec_path), lock_path_for(spec_path, sandbox=True)
    if real.exists() or not sandboxed.exists():
        return None
    return (
        f"note: there is no {real.name} yet, only the sandbox's {sandboxed.name}; "
        "pass --sandbox to see the state `apply --sandbox` left"
    )
