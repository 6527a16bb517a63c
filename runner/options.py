"""Click options and arguments shared by several commands, each defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TypeVar

import click

FC = TypeVar("FC", bound=Callable[..., Any])

spec_argument = click.argument("spec", type=click.Path(path_type=Path, dir_okay=False))
lock_option = click.option(
    "--lock", "lock_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help="Lockfile to use (default: SPEC with .lock.yaml beside it).",
)
sandbox_option = click.option(
    "--sandbox", is_flag=True, help="Run against the bundled local emulator instead of the real APIs.",
)


def format_option(*choices: str, default: str = "text") -> Callable[[FC], FC]:
    """`--format` with the given choices."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True, help="Output format.")
