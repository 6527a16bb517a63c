"""`campaign report SPEC`: a static HTML review gallery of every video job, offline."""

from __future__ import annotations

from pathlib import Path

import click

from runner.options import lock_option, sandbox_option, spec_argument
from runner.report.write import write_report
from runner.state.store import planned_from_state
from runner.workspace import Workspace


@click.command()
@spec_argument
@lock_option
@sandbox_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for index.html (default: beside the downloaded videos).",
)
def command(spec: Path, lock_path: Path | None, sandbox: bool, out_dir: Path | None) -> None:
    """Write a review gallery (index.html): scripts, states, ids and a player per video; opens from file://."""
    planned = planned_from_state(Workspace(spec, sandbox=sandbox, lock_override=lock_path))
    page = write_report(planned, out_dir, sandbox=sandbox)
    click.echo(f"Review gallery: {page} (open {page.resolve().as_uri()})")
