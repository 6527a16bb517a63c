"""Click options and arguments shared by several commands, each defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

FC = TypeVar("FC", bound=Callable[..., Any])

spec_argument = click.argument("spec", type=click.Path(path_type=Path, dir_okay=False))
lock_option = click.option(
    "--lock",
    "lock_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Lockfile to use (default: SPEC with .lock.yaml beside it).",
)
sandbox_option = click.option(
    "--sandbox",
    is_flag=True,
    help="Run against the bundled local emulator instead of the real APIs.",
)


def format_option(*choices: str, default: str = "text") -> Callable[[FC], FC]:
    """`--format` with the given choices."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default, show_default=True, help="Output format."
    )


def selection_options(func: FC) -> FC:
    """`--target`, `--exclude`, `--replace`, `--sample` and `--max-videos`, shared by plan and apply."""
    options = [
        click.option(
            "--target",
            "targets",
            multiple=True,
            metavar="SEL",
            help="Only jobs matching GROUP or 'GROUP[KEY=VALUE,...]' (repeatable, OR), with their dependencies.",
        ),
        click.option(
            "--exclude",
            "excludes",
            multiple=True,
            metavar="SEL",
            help="Leave out matching jobs and what depends on them (repeatable).",
        ),
        click.option(
            "--replace",
            "replaces",
            multiple=True,
            metavar="SEL",
            help="Re-render matching succeeded videos although their spec did not change (repeatable).",
        ),
        click.option(
            "--sample",
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="Only the first N cells of each group, in file order.",
        ),
        click.option(
            "--max-videos",
            type=click.IntRange(min=0),
            default=None,
            metavar="N",
            help="Most new videos this run may generate (overrides budget.max_new_videos).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
