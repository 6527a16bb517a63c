"""A drift report as text, JSON (documented in docs/operations.md) or Markdown (an issue's body)."""

from __future__ import annotations

import json
from dataclasses import asdict

from runner.drift.check import DriftReport
from runner.wording import plural

DRIFT_JSON_VERSION = 1


def as_json(report: DriftReport) -> str:
    """`{version, campaign, lockfile, world, checked, asked, in_sync, findings: [{key, address, reason, detail, fix}]}`."""
    data = {
        "version": DRIFT_JSON_VERSION,
        "campaign": report.campaign,
        "lockfile": report.lockfile,
        "world": report.world,
        "checked": report.checked,
        "asked": report.asked,
        "in_sync": not report.findings,
        "findings": [asdict(f) for f in report.findings],
    }
    return json.dumps(data, indent=2, sort_keys=True)


def _summary(report: DriftReport) -> str:
    if not report.findings:
        return f"{report.campaign}: in sync ({plural(report.checked, 'job')} checked, {report.asked} asked at the providers)"
    return (
        f"{report.campaign}: {plural(len(report.findings), 'finding')} "
        f"({plural(report.checked, 'job')} checked, {report.asked} asked at the providers)"
    )


def as_text(report: DriftReport) -> str:
    """One line per finding: reason, address, detail, and the fix on the next line."""
    lines = [f"{f.reason:<12} {f.address}: {f.detail}\n             fix: {f.fix}" for f in report.findings]
    return "\n".join([*lines, _summary(report)])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(report: DriftReport) -> str:
    """A heading, the summary and a table of findings: fits an issue body."""
    lines = [f"### Drift: `{report.campaign}`", "", _summary(report)]
    if report.findings:
        lines += ["", "| reason | job | detail | fix |", "|---|---|---|---|"]
        lines += [
            f"| {f.reason} | `{_cell(f.address)}` | {_cell(f.detail)} | `{_cell(f.fix)}` |" for f in report.findings
        ]
    return "\n".join(lines)


def shown(report: DriftReport, fmt: str) -> str:
    """The report in the chosen format."""
    return {"json": as_json, "markdown": as_markdown}.get(fmt, as_text)(report)
