"""`campaign export SPEC --format csv|json`: one row per video for the people who place the ads."""

from __future__ import annotations

from pathlib import Path

import click

from runner.campaignfile.load import load_spec
from runner.errors import CampaignError
from runner.lock import lockfile
from runner.options import format_option, lock_option, sandbox_option, spec_argument
from runner.plan.expand import build_graph
from runner.plan.export import to_csv, to_json, video_rows
from runner.state.store import state_store
from runner.workspace import Workspace


@click.command()
@spec_argument
@lock_option
@format_option("csv", "json", default="csv")
@sandbox_option
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file instead of standard output."
)
def command(spec: Path, lock_path: Path | None, fmt: str, sandbox: bool, out: Path | None) -> None:
    """Write one row per video: address, axes, name, provider ids, state, downloaded file."""
    loaded = load_spec(spec)
    with state_store(Workspace(spec, sandbox=sandbox, lock_override=lock_path), loaded) as store:
        lock = store.read()
    rows = video_rows(loaded, build_graph(loaded, lock.resolved_avatars), lock)
    text = to_json(rows) if fmt == "json" else to_csv(rows)
    if out is None:
        click.echo(text, nl=False)
        return
    if not out.parent.is_dir():
        raise CampaignError(
            f"{out}: cannot write the export: there is no folder {out.parent}; create it first or choose another --out"
        )
    try:
        lockfile.write_atomic(out, text)
    except OSError as exc:
        raise CampaignError(f"{out}: cannot write the export: {exc.strerror}; choose another --out") from None
    click.echo(f"Wrote {len(rows)} rows to {out}", err=True)
