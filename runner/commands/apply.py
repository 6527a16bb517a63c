"""`campaign apply SPEC`: generate exactly what the plan shows, once, and record every video id."""

from __future__ import annotations

from pathlib import Path

import click

from runner.apply.orchestrate import ApplyRequest, run_apply
from runner.options import Duration, format_option, lock_option, sandbox_option, selection_options, spec_argument
from runner.plan.review import Review
from runner.plan.select import Selection
from runner.workspace import Workspace


@click.command()
@spec_argument
@lock_option
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Apply a plan saved by `plan --out` (refused if the spec or lockfile changed).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--accept-notices",
    is_flag=True,
    help="Acknowledge the providers' upload and download notices (non-interactive runs).",
)
@sandbox_option
@click.option(
    "--parallelism", type=click.IntRange(1, 64), default=8, show_default=True, help="Requests in flight at most."
)
@click.option(
    "--retry-unknown",
    is_flag=True,
    help="Create again refresh jobs whose create reply was lost (they may exist already: paid twice).",
)
@format_option("text", "json")
@selection_options
@click.option(
    "--allow-forget-inflight",
    is_flag=True,
    help="Forget jobs that left the spec although they are still rendering (paid for).",
)
@click.option(
    "--lock-timeout",
    "lock_timeout",
    type=Duration(),
    default="0s",
    help="With a state backend (CAMPAIGN_STATE_URL): wait this long (e.g. 15m) for another runner's lock.",
)
@click.option(
    "--wait-consent",
    "wait_consent",
    type=Duration(),
    default="0s",
    help="Wait this long (e.g. 15m) for a digital twin's subject to consent before exiting 4 (default: do not wait).",
)
@click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="Write the review gallery (index.html) beside the downloaded videos.",
)
def command(
    spec: Path,
    lock_path: Path | None,
    plan_path: Path | None,
    yes: bool,
    accept_notices: bool,
    sandbox: bool,
    parallelism: int,
    retry_unknown: bool,
    fmt: str,
    targets: tuple[str, ...],
    excludes: tuple[str, ...],
    replaces: tuple[str, ...],
    sample: int | None,
    max_videos: int | None,
    allow_forget_inflight: bool,
    report: bool,
    wait_consent: float,
    lock_timeout: float,
) -> None:
    """Generate the campaign's videos through the providers and write the lockfile.

    Exit 0 when every planned job succeeded, 1 when any failed, is blocked or waits for a decision, or on error;
    4 when all that could be done is done and the rest waits on a digital twin's consent; 130 when interrupted.
    """
    review = Review(Selection(targets, excludes, replaces, sample), max_videos)
    code = run_apply(
        ApplyRequest(
            spec,
            lock_path,
            plan_path,
            yes,
            accept_notices,
            sandbox,
            parallelism,
            fmt,
            review=review,
            allow_forget_inflight=allow_forget_inflight,
            retry_unknown=retry_unknown,
            wait_consent_seconds=wait_consent,
            lock_timeout_seconds=lock_timeout,
        )
    )
    if report and code in (0, 1, 4):  # 1: some jobs failed; the gallery shows which and why
        from runner.report.write import write_gallery_after_apply

        write_gallery_after_apply(Workspace(spec, sandbox=sandbox, lock_override=lock_path), err=fmt == "json")
    raise SystemExit(code)
