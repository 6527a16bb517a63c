"""Policy findings and how they read: `FILE:LINE:COL: at ADDRESS: [rule-id] message ("matched text")`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from runner.errors import Problem
from runner.terminal import github_annotation


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule flagging one template (or the campaign), with every cell it affects."""

    rule: str
    level: str  # mandatory | advisory
    message: str
    source: str
    file: str
    line: int
    column: int
    cells: tuple[str, ...]  # the addresses affected, sorted
    matched: str = ""
    detail: str = ""

    @property
    def address(self) -> str:
        """The first cell, and how many more share the finding."""
        more = len(self.cells) - 1
        return self.cells[0] + (f" and {more} more" if more > 0 else "")

    @property
    def text(self) -> str:
        """`[rule-id] message ("matched text")`."""
        said = f' ("{self.matched}")' if self.matched else f" ({self.detail})" if self.detail else ""
        return f"[{self.rule}] {self.message}{said}"

    def problem(self) -> Problem:
        """The finding as a located problem."""
        return Problem(self.file, self.line, self.column, self.address, self.text)

    def render(self) -> str:
        """The one-line form."""
        return self.problem().render()

    def as_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "rule": self.rule,
            "level": self.level,
            "message": self.message,
            "source": self.source,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "cells": list(self.cells),
            "matched": self.matched,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class PolicyReport:
    """What the policy checks of one campaign found; `problems` are unusable packs and refused overrides."""

    findings: tuple[Finding, ...] = ()
    problems: tuple[Problem, ...] = ()
    packs: tuple[str, ...] = ()
    checked_scripts: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def mandatory(self) -> list[Finding]:
        """Findings that stop validate, plan and apply."""
        return [f for f in self.findings if f.level == "mandatory"]

    @property
    def blocking(self) -> bool:
        """Whether validate, plan and apply must exit 1."""
        return bool(self.problems or self.mandatory)

    def as_json(self) -> dict[str, Any]:
        """The `policy` entry of JSON outputs."""
        return {
            "packs": list(self.packs),
            "findings": [f.as_json() for f in self.findings],
            "problems": [p.render() for p in self.problems],
            "passed": not self.blocking,
        }


def lines(report: PolicyReport) -> list[str]:
    """Each problem and finding as printed, mandatory ones first."""
    out = [p.render() for p in report.problems]
    for finding in sorted(report.findings, key=lambda f: (f.level != "mandatory", f.file, f.line, f.rule)):
        prefix = "" if finding.level == "mandatory" else "warning: "
        out.append(prefix + finding.render())
    return out


def github_annotations(findings: Iterable[Finding]) -> list[str]:
    """GitHub Actions annotations: errors for mandatory findings, warnings for advisory ones."""
    return [
        github_annotation(
            "error" if f.level == "mandatory" else "warning",
            f"at {f.address}: {f.text}",
            file=f.file,
            line=f.line,
            col=f.column,
        )
        for f in findings
    ]


def markdown(report: PolicyReport) -> str:
    """The policy section of the pull-request comment ("" when nothing was found)."""
    if not report.findings and not report.problems:
        return ""
    rows = ["### Policy", "", "| level | rule | where | cells | finding |", "|---|---|---|---|---|"]
    for p in report.problems:
        rows.append(f"| error | | `{p.file}:{p.line}` | | {_cell(p.message)} |")
    for f in sorted(report.findings, key=lambda f: (f.level != "mandatory", f.rule)):
        rows.append(f"| {f.level} | `{f.rule}` | `{f.file}:{f.line}:{f.column}` | {len(f.cells)} | {_cell(f.text)} |")
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary(findings: Sequence[Finding]) -> str:
    """`2 mandatory, 1 advisory`."""
    mandatory = sum(1 for f in findings if f.level == "mandatory")
    return f"{mandatory} mandatory, {len(findings) - mandatory} advisory"
