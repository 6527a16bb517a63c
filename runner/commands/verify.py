"""`campaign verify SPEC`: read every downloaded video's content credentials back and report what does not hold."""

from __future__ import annotations

import json
from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.options import format_option, lock_option, spec_argument
from runner.provenance.verify import verify_lock
from runner.state.store import state_store
from runner.wording import plural
from runner.workspace import Workspace


@click.command()
@spec_argument
@lock_option
@click.option("--sandbox", is_flag=True, help="Check the videos of the sandbox's lockfile (SPEC.sandbox.lock.yaml).")
@format_option("text", "json")
def command(spec: Path, lock_path: Path | None, sandbox: bool, fmt: str) -> None:
    """Check each downloaded video's C2PA manifest: unsigned, altered, or signed for another job.

    Exit 0 when every file is signed for its own job and unchanged, 1 otherwise.
    """
    loaded = load_spec(spec)
    workspace = Workspace(spec, sandbox=sandbox, lock_override=lock_path)
    with state_store(workspace, loaded) as store:
        lock = store.read()
    verdicts = verify_lock(lock, workspace.lockfile.parent)
    bad = [v for v in verdicts if v.status != "ok"]
    if fmt == "json":
        rows = [{"key": v.key, "path": v.path, "status": v.status, "detail": v.detail} for v in verdicts]
        click.echo(json.dumps({"files": rows, "ok": not bad}, indent=2, sort_keys=True))
    else:
        for v in bad:
            click.echo(f"{v.status}: {v.path} (job {v.key}): {v.detail}", err=True)
        click.echo(
            f"{plural(len(verdicts), 'video')} checked: {len(verdicts) - len(bad)} signed for their job, {len(bad)} not"
        )
    if bad:
        raise SystemExit(1)
