"""`campaign drift SPEC`: read-only; what drifted since the last apply, and the command that fixes each."""

from __future__ import annotations

import time
from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.drift.check import check_drift
from runner.drift.show import shown
from runner.observe.tracing import run_span
from runner.options import format_option, lock_option, spec_argument
from runner.state.store import state_store
from runner.workspace import Workspace

DRIFT_EXIT = 2


@click.command()
@spec_argument
@lock_option
@click.option("--sandbox", is_flag=True, help="Check the sandbox's lockfile (SPEC.sandbox.lock.yaml) in the sandbox.")
@format_option("text", "json", "markdown")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when drift is found (0 in sync, 1 error).")
def command(spec: Path, lock_path: Path | None, sandbox: bool, fmt: str, detailed_exitcode: bool) -> None:
    """Check every recorded job: at the provider, on disk, expired, stale, due; never creates or pays."""
    loaded = load_spec(spec)
    workspace = Workspace(spec, sandbox=sandbox, lock_override=lock_path)
    with state_store(workspace, loaded) as store:
        lock = store.read()
    spec_arg = str(spec) + (" --sandbox" if sandbox else "")
    with run_span("drift", loaded.campaign):
        report = check_drift(loaded, spec_arg, lock, workspace, time.time())
    click.echo(shown(report, fmt))
    if report.findings:
        from runner.apply.events import drift_found

        drift_found(loaded, report, workspace)
        if detailed_exitcode:
            raise SystemExit(DRIFT_EXIT)
