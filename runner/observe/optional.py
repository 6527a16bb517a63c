"""Optional dependencies: imported only when a setting asks for them, with the pip command when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from runner.errors import ConfigError


def optional_module(module: str, extra: str, asked_by: str) -> ModuleType:
    """Import `module`, or a ConfigError (exit 1) naming the setting that asked and the pip command to run."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"{asked_by} needs the optional dependency {module.split('.')[0]!r}; "
            f"install it with: pip install 'campaign[{extra}]'"
        ) from None
