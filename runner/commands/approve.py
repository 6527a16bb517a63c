"""`campaign approve SPEC`: sign off the exact content of selected jobs in SPEC.approvals.yaml, offline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from runner.approvals.book import write_book
from runner.options import sandbox_option, spec_argument
from runner.plan.approval import ApprovalRefused, Signing, sign
from runner.plan.approval import revoke as revoke_approvals
from runner.plan.select import Selection, choose
from runner.policy.evaluate import policy_report
from runner.state.store import planned_from_state
from runner.wording import plural
from runner.workspace import Workspace, approvals_path_for


@click.command()
@spec_argument
@click.option("--target", "targets", multiple=True, metavar="SEL", help="Only jobs matching SEL (repeatable, OR).")
@click.option("--exclude", "excludes", multiple=True, metavar="SEL", help="Leave out jobs matching SEL (repeatable).")
@click.option("--as", "name", required=True, metavar="NAME", help="Who approves (recorded in the file).")
@click.option("--role", default=None, metavar="ROLE", help="The role you sign for (one of the campaign's roles).")
@click.option("--note", default="", metavar="TEXT", help="A note kept with the approval.")
@click.option("--revoke", is_flag=True, help="Remove NAME's approvals of the selected jobs (in ROLE only, if given).")
@sandbox_option
def command(
    spec: Path,
    targets: tuple[str, ...],
    excludes: tuple[str, ...],
    name: str,
    role: str | None,
    note: str,
    revoke: bool,
    sandbox: bool,
) -> None:
    """Approve (or with --revoke, withdraw) the rendered content of the selected jobs."""
    if not name.strip():
        raise ApprovalRefused("--as needs a name: who approves")
    planned = planned_from_state(Workspace(spec, sandbox=sandbox))
    keys = choose(Selection(targets, excludes), planned.spec, planned.graph).named
    path = approvals_path_for(spec)
    if revoke:
        book, removed = revoke_approvals(planned, keys, name, role)
        if not removed:
            raise ApprovalRefused(f"{name} has no approval{f' as {role}' if role else ''} of the selected jobs")
        write_book(path, book)
        click.echo(f"Revoked {plural(removed, 'approval')} by {name} in {path}; those jobs await approval again.")
        return
    at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    mandatory = policy_report(planned.spec, planned.graph).mandatory
    findings = {cell: finding.text for finding in mandatory for cell in finding.cells}
    book, signed = sign(planned, keys, Signing(name.strip(), role, note, at), findings)
    write_book(path, book)
    who = f"{name.strip()} ({role})" if role else name.strip()
    click.echo(f"Approved {plural(len(signed), 'job')} as {who} in {path}; commit it with the campaign.")
