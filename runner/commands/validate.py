"""`campaign validate SPEC...`: schema, references, templates and API limits, offline."""

from __future__ import annotations

from pathlib import Path

import click

from runner.errors import LockfileError, SpecError
from runner.lock import lockfile
from runner.plan.budget import budget_problems, implied_videos
from runner.plan.expand import build_graph
from runner.spec.load import load_spec


LOCK_SUFFIXES = (".lock.yaml", ".lock.yml")


@click.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
def command(specs: tuple[Path, ...]) -> None:
    """Check campaign files without touching the network."""
    failed = False
    for path in specs:
        if path.name.endswith(LOCK_SUFFIXES):  # `campaign validate campaigns/*.yaml` also matches the lockfiles beside the specs
            try:
                lock = lockfile.loads(path.read_text(encoding="utf-8"), str(path))
            except (LockfileError, OSError) as exc:
                click.echo(f"error: {exc}", err=True)
                failed = True
                continue
            click.echo(f"OK {path}: lockfile of campaign '{lock.campaign}' with {len(lock.jobs)} jobs")
            continue
        try:
            spec = load_spec(path)
            graph = build_graph(spec)
        except SpecError as exc:
            click.echo(str(exc), err=True)
            failed = True
            continue
        kinds = [job.kind for job in graph.jobs.values()]
        videos = implied_videos(graph)
        click.echo(
            f"OK {path}: {len(kinds)} jobs ({kinds.count('avatar_video') + kinds.count('heygen_video')} avatar videos, "
            f"{kinds.count('upload')} uploads, {kinds.count('refresh_video')} refresh); "
            f"{videos} video{'s' if videos != 1 else ''} to generate in all"
        )
        for message in budget_problems(spec, videos):
            click.echo(message, err=True)
            failed = True
        for warning in graph.warnings:
            click.echo(f"Warning: {path}: {warning}", err=True)
    if failed:
        raise SystemExit(1)
