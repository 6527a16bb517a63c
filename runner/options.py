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


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(text: str) -> float:
    """The seconds `90s`, `15m`, `2h` or a bare number stands for; -1 when it is none of these."""
    text = text.strip().lower()
    unit = _UNITS.get(text[-1:])
    try:
        return float(text[:-1] if unit is not None else text) * (unit or 1.0)
    except ValueError:
        return -1.0


class Duration(click.ParamType):  # type: ignore[type-arg]
    """A duration such as `90s`, `15m` or `2h` (a bare number is seconds), as seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        """Seconds, or a usage error naming the accepted forms."""
        if isinstance(value, float):
            return value
        seconds = duration_seconds(str(value))
        if not 0 <= seconds <= 7 * 24 * 3600 or seconds != seconds:
            self.fail(f"{value!r} is not a duration from 0s to 168h; write e.g. 90s, 15m or 2h", param, ctx)
        return seconds
