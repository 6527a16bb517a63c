"""`campaign plan SPEC`: the job graph diffed against the lockfile, offline."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from runner.collector import collector_paused
from runner.execute.artifacts import needs_downloads
from runner.gitops.comment import comment_body, labels_for, write_text
from runner.observe.tracing import run_span
from runner.options import format_option, lock_option, selection_options, spec_argument
from runner.plan.budget import check_budget
from runner.plan.planfile import write_plan_file
from runner.plan.review import Review, reviewed
from runner.plan.select import Selection
from runner.policy.evaluate import policy_report
from runner.policy.output import refuse_if_blocking, render_with_policy, show_findings
from runner.state.store import planned_from_state
from runner.workspace import Workspace


@click.command()
@spec_argument
@lock_option
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Save the plan for `apply --plan`.")
@format_option("text", "json", "markdown")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when apply has work, 1 when only failed-for-good or blocked jobs remain, 0 when nothing.",
)
@click.option(
    "--sandbox",
    is_flag=True,
    help="Plan against the sandbox's lockfile (SPEC.sandbox.lock.yaml) that `apply --sandbox` keeps.",
)
@click.option(
    "--comment-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a pull-request comment body (markdown, with a marker for a sticky comment).",
)
@click.option(
    "--labels-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the pull-request labels this plan earns, one per line.",
)
@selection_options
@collector_paused()  # a plan builds one large batch of objects and exits
def command(
    spec: Path,
    lock_path: Path | None,
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    sandbox: bool,
    comment_out: Path | None,
    labels_out: Path | None,
    targets: tuple[str, ...],
    excludes: tuple[str, ...],
    replaces: tuple[str, ...],
    sample: int | None,
    max_videos: int | None,
) -> None:
    """Show what apply would generate, rename, replace or forget."""
    workspace = Workspace(spec, sandbox=sandbox, lock_override=lock_path)
    with run_span("plan", spec.stem):
        planned = planned_from_state(workspace)
    note = workspace.sandbox_only_note()
    if note is not None:
        click.echo(note, err=True)
    plan = reviewed(planned, Review(Selection(targets, excludes, replaces, sample), max_videos))
    if planned.spec.apply.download:  # what apply would fetch again: not a change to pay for, but not "No changes"
        plan = replace(plan, missing_downloads=tuple(needs_downloads(planned.lock, planned.lock_path.parent)))
    policy = policy_report(planned.spec, planned.graph)
    if out is not None:  # saved first: a plan that cannot be saved is not shown as if it were
        write_plan_file(out, plan, spec)
    full_plan = f"campaign show {out}" if out is not None else f"campaign plan {spec}"
    shown = render_with_policy(plan, fmt, policy, color=fmt == "text" and sys.stdout.isatty(), full_plan=full_plan)
    click.echo(shown, nl=False)
    show_findings(policy, annotate_on_stdout=fmt != "json")
    if comment_out is not None:
        markdown = render_with_policy(plan, "markdown", policy, full_plan=full_plan)
        write_text(comment_out, comment_body(spec.as_posix(), markdown))
    if labels_out is not None:
        write_text(labels_out, "".join(f"{label}\n" for label in labels_for(plan)))
    if out is not None:
        click.echo(
            f"Saved the plan to {out}; apply it with: campaign apply {spec} --plan {out}{' --sandbox' if sandbox else ''}",
            err=True,
        )
    refuse_if_blocking(policy)
    check_budget(plan.budget)  # after the plan and the comment are out: a reviewer sees what passed the limit
    if detailed_exitcode and plan.detailed_exit_code:
        for change in plan.settled_failures:
            click.echo(f"{change.action.symbol.strip() or '!'} {change.key}: {change.reason}", err=True)
        raise SystemExit(plan.detailed_exit_code)
