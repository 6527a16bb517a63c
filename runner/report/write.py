"""Write the gallery page for a planned campaign."""

from __future__ import annotations

import os
from pathlib import Path

import click

from runner.atomic import StorageError, atomic_file
from runner.errors import CampaignError
from runner.plan.make import Planned
from runner.plan.review import reviewed
from runner.provenance.credentials import unsigned_reason
from runner.report.cards import build_cards
from runner.report.html import render_gallery
from runner.state.store import planned_from_state
from runner.workspace import Workspace, artifacts_dir_for

PAGE_NAME = "index.html"


def default_report_dir(planned: Planned) -> Path:
    """Beside the file's downloaded videos (`apply.artifacts_dir`, default artifacts/<spec stem>): one gallery per file."""
    spec = planned.spec
    return artifacts_dir_for(spec.path, spec.apply.artifacts_dir)


def write_report(planned: Planned, out_dir: Path | None = None, sandbox: bool = False) -> Path:
    """Write `index.html` into `out_dir` (default: beside the videos) and return its path."""
    folder = out_dir if out_dir is not None else default_report_dir(planned)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{folder}: cannot create the report folder: {exc.strerror}; pass --out DIR") from None
    # the reviewed plan: the file's order, with each change's approval (as apply and plan show them)
    cards = build_cards(reviewed(planned), planned.lock.jobs, planned.lock_path.parent.resolve(), folder.resolve())
    page = render_gallery(
        planned.spec.campaign, cards, planned.lock_path.name, sandbox=sandbox, notes=gallery_notes(planned, sandbox)
    )
    target = folder / PAGE_NAME
    with atomic_file(target) as out:
        out.write(page)
    return target


def gallery_notes(planned: Planned, sandbox: bool) -> tuple[str, ...]:
    """The AI disclosure label, and why downloaded videos carry no content credentials (when they do not)."""
    notes = []
    disclosure = planned.spec.disclosure
    if disclosure is not None and disclosure.label:
        notes.append(f"AI disclosure: {disclosure.label}")
    reason = unsigned_reason(os.environ, sandbox=sandbox)
    if reason and any(record.artifacts for record in planned.lock.jobs.values()):
        notes.append(reason[0].upper() + reason[1:] + ".")
    return tuple(notes)


def write_gallery_after_apply(workspace: Workspace, err: bool) -> None:
    """After apply: write the gallery beside the downloaded videos and say where; a failure only warns."""
    try:
        planned = planned_from_state(workspace)
        if not planned.spec.apply.download:
            return
        page = write_report(planned, sandbox=workspace.sandbox)
    except CampaignError as exc:  # the videos and the lockfile are safe; only the page is missing
        click.echo(f"warning: the review gallery was not written: {exc}", err=True)
        return
    click.echo(f"Review gallery: {page} (open {page.resolve().as_uri()})", err=err)
