"""`campaign apply SPEC`: generate exactly what the plan shows, once, and record every video id."""

from __future__ import annotations

from pathlib import Path

import click

from runner.apply.orchestrate import ApplyRequest, run_apply
from runner.options import format_option, lock_option, sandbox_option, spec_argument


@click.command()
@spec_argument
@lock_option
@click.option("--plan", "plan_path", type=click.Path(path_type=Path, dir_okay=False), help="Apply a plan saved by `plan --out` (refused if the spec or lockfile changed).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--accept-notices", is_flag=True, help="Acknowledge the providers' upload and download notices (non-interactive runs).")
@sandbox_option
@click.option("--parallelism", type=click.IntRange(1, 64), default=8, show_default=True, help="Requests in flight at most.")
@format_option("text", "json")
def command(spec: Path, lock_path: Path | None, plan_path: Path | None, yes: bool, accept_notices: bool, sandbox: bool,
            parallelism: int, fmt: str) -> None:
    """Generate the campaign's videos through the providers and write the lockfile."""
    code = run_apply(ApplyRequest(spec, lock_path, plan_path, yes, accept_notices, sandbox, parallelism, fmt))
    raise SystemExit(code)
