"""`campaign spend SPEC`: the ledger of what the campaign's renders cost, from the state it records."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import click

from runner.options import format_option, sandbox_option, spec_argument
from runner.plan.review import reviewed
from runner.plan.spend import SpendRow, ledger_data, ledger_rows
from runner.state.store import planned_from_state
from runner.workspace import Workspace

COLUMNS = ("key", "address", "kind", "provider", "state", "creates", "failed", "remade", "adopted", "charged", "money")
_CHARGES = {True: "charged", False: "not charged", None: "not documented: counted as charged"}


@click.command()
@spec_argument
@format_option("text", "json", "csv")
@sandbox_option
def command(spec: Path, fmt: str, sandbox: bool) -> None:
    """Renders paid for, failed, re-made and adopted, per job and provider, with the money where prices are set."""
    workspace = Workspace(spec, sandbox=sandbox)
    planned = planned_from_state(workspace)
    prices = planned.spec.budget.prices
    rows = ledger_rows(planned.lock, prices)
    data = ledger_data(planned.spec.campaign, str(workspace.lockfile), rows, prices, reviewed(planned).budget)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    elif fmt == "csv":
        click.echo(_csv(rows), nl=False)
    else:
        click.echo("\n".join(_text(data, rows)))


def _csv(rows: list[SpendRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if getattr(row, c) is None else getattr(row, c) for c in COLUMNS])
    return out.getvalue()


def _text(data: dict[str, Any], rows: list[SpendRow]) -> list[str]:
    currency = data["currency"] or ""
    lines = [f"Spend of campaign {data['campaign']} ({data['lockfile']}):"]
    lines += [
        f"  {r.key}  {r.address}: {r.creates} created, {r.failed} failed, {r.remade} re-made, {r.adopted} adopted; "
        f"{r.charged} charged" + (f", {r.money:,.2f} {currency}" if r.money is not None else "")
        for r in rows
    ]
    if not rows:
        lines.append("  nothing paid for yet")
    for name, total in data["providers"].items():
        money = f"; {total['money']:,.2f} {currency}" if total["money"] is not None else ""
        lines.append(
            f"{name}: {total['creates']} created, {total['failed']} failed "
            f"({_CHARGES[total['charges_failed_renders']]}), {total['remade']} re-made, {total['adopted']} adopted; "
            f"{total['charged']} charged{money}"
        )
    recorded, plan = data["recorded"], data["plan"]
    money = f" ({recorded['money']:,.2f} {currency})" if recorded["money"] is not None else ""
    estimate = f" (est. {plan['cost']:,.2f} {currency})" if plan["cost"] is not None else ""
    lines.append(
        f"Recorded: {recorded['charged_renders']} charged renders{money}. "
        f"Plan: the next apply would generate {plan['new_videos']} videos{estimate}."
    )
    return lines
