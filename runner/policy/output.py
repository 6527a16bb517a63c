"""A plan shown with its policy findings: in JSON as `policy`, in markdown as a section, in text on stderr."""

from __future__ import annotations

from typing import Any

import click

from runner.plan.formats import render_data
from runner.plan.model import Plan
from runner.plan.render import plan_data
from runner.policy import findings
from runner.policy.findings import PolicyReport
from runner.terminal import in_github_actions


def render_with_policy(
    plan: Plan, fmt: str, report: PolicyReport, *, color: bool = False, full_plan: str | None = None
) -> str:
    """The plan in `fmt`, carrying the findings (JSON and markdown); a campaign without packs renders as before."""
    data: dict[str, Any] = dict(plan_data(plan, unchanged=fmt == "json"))
    if report.packs or report.problems:
        if fmt == "json":
            data["policy"] = report.as_json()
        elif fmt == "markdown":
            return render_data(data, fmt, full_plan=full_plan).rstrip("\n") + "\n\n" + findings.markdown(report)
    return render_data(data, fmt, color=color, full_plan=full_plan)


def show_findings(report: PolicyReport, *, annotate_on_stdout: bool) -> None:
    """Every finding on stderr; inside GitHub Actions also as annotations."""
    for line in findings.lines(report):
        click.echo(line, err=True)
    if in_github_actions():
        for line in findings.github_annotations(report.findings):
            click.echo(line, err=not annotate_on_stdout)


def refuse_if_blocking(report: PolicyReport) -> None:
    """Exit 1 after the plan is out when a mandatory rule flagged a script (or a pack is unusable)."""
    if report.blocking:
        count = len(report.mandatory) + len(report.problems)
        click.echo(
            f"error: the policy checks failed ({count} mandatory {'finding' if count == 1 else 'findings'} above); "
            "change the scripts, name the evidence, or set an overridable rule's level in `policy.levels`",
            err=True,
        )
        raise SystemExit(1)
