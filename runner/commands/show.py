"""`campaign show PLAN`: print a saved plan in any format."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from runner.errors import PlanMismatch
from runner.options import format_option, sandbox_option
from runner.plan.formats import render_data
from runner.plan.planfile import read_plan_file


@click.command()
@click.argument("plan_path", metavar="PLAN", type=click.Path(path_type=Path, dir_okay=False))
@format_option("text", "json", "markdown")
@sandbox_option
def command(plan_path: Path, fmt: str, sandbox: bool) -> None:
    """Print a plan saved by `campaign plan --out` (the plan file says which lockfile it was made against)."""
    try:
        saved = read_plan_file(plan_path)
        text = render_data(
            saved.data, fmt, color=fmt == "text" and sys.stdout.isatty(), full_plan=f"campaign show {plan_path}"
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        raise PlanMismatch(
            f"{plan_path}: damaged plan file (missing or malformed fields); make it again with `campaign plan --out`"
        ) from None
    click.echo(text, nl=False)
