"""`campaign validate SPEC...`: schema, references, templates and API limits, offline."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from runner.approvals.book import ApprovalsError, read_book
from runner.errors import LockfileError, Problem, SpecError
from runner.lock import records
from runner.options import format_option
from runner.plan.budget import budget_problems, implied_videos
from runner.plan.expand import checked_graph
from runner.policy import findings as policy_findings
from runner.policy.evaluate import policy_report
from runner.policy.findings import PolicyReport
from runner.terminal import github_annotation, in_github_actions
from runner.vocabulary.kinds import kinds
from runner.wording import plural
from runner.workspace import APPROVALS_SUFFIX

LOCK_SUFFIXES = (".lock.yaml", ".lock.yml")
FORMAT_VERSION = "1.0"


@dataclass
class FileResult:
    """What validate found in one file."""

    file: str
    kind: str  # "campaign" or "lockfile"
    campaign: str | None = None
    jobs: dict[str, int] = field(default_factory=dict)  # job kind -> count
    videos: int = 0  # videos the whole campaign generates
    problems: list[Problem] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # the problems as printed
    warnings: list[str] = field(default_factory=list)
    policy: PolicyReport = field(default_factory=PolicyReport)

    @property
    def valid(self) -> bool:
        """No problem found."""
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """The `--format json` entry for this file."""
        return {
            "file": self.file,
            "kind": self.kind,
            "valid": self.valid,
            "campaign": self.campaign,
            "jobs": sum(self.jobs.values()),
            "job_kinds": dict(sorted(self.jobs.items())),
            "videos": self.videos,
            "problems": [
                {"file": p.file, "line": p.line, "column": p.column, "path": p.path, "message": p.message}
                for p in self.problems
            ],
            "warnings": self.warnings,
            **({"policy": self.policy.as_json()} if self.policy.packs or self.policy.problems else {}),
        }


@click.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@format_option("text", "json")
def command(specs: tuple[Path, ...], fmt: str) -> None:
    """Check campaign files without touching the network.

    Every problem is printed as FILE:LINE:COL: at PATH: message. Lockfiles
    and approvals files matched too (`campaigns/*.yaml`) are checked as such. Inside GitHub
    Actions each problem also becomes an annotation. Exit 0 when all are valid,
    1 otherwise.
    """
    results = [check(path) for path in specs]
    warn_shared_names(results)
    if fmt == "json":
        report = {
            "format_version": FORMAT_VERSION,
            "valid": all(r.valid for r in results),
            "files": [r.as_json() for r in results],
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        annotate = in_github_actions()
        for result in results:
            print_text(result, annotate=annotate)
    if not all(r.valid for r in results):
        raise SystemExit(1)


def check(path: Path) -> FileResult:
    """Validate one campaign file or lockfile."""
    if path.name.endswith(LOCK_SUFFIXES):  # `campaign validate campaigns/*.yaml` also matches the lockfiles
        result = FileResult(str(path), "lockfile")
        try:
            lock = records.loads(path.read_text(encoding="utf-8"), str(path))
        except (LockfileError, OSError, UnicodeDecodeError) as exc:
            message = str(exc) if isinstance(exc, LockfileError) else f"{path}: cannot read lockfile: {exc}"
            result.problems.append(_located(str(path), message))
            result.messages.append(f"error: {message}")
            return result
        result.campaign = lock.campaign
        result.jobs = dict(Counter(str(record.kind) for record in lock.jobs.values()))
        return result
    if path.name.endswith(APPROVALS_SUFFIX):  # ... and the approvals files beside the campaigns
        return _approvals(path)
    result = FileResult(str(path), "campaign")
    try:
        spec, graph = checked_graph(path)
    except SpecError as exc:
        result.problems = list(exc.problems)
        result.messages = [p.render() for p in exc.problems]
        return result
    result.campaign = spec.campaign
    result.jobs = dict(Counter(str(job.kind) for job in graph.jobs.values()))
    result.videos = implied_videos(graph)
    result.warnings = [str(w) for w in graph.warnings]
    for message in budget_problems(spec, result.videos):
        result.problems.append(_parsed(message, str(path)))
        result.messages.append(message)
    result.policy = policy_report(spec, graph)
    result.problems += [*result.policy.problems, *(f.problem() for f in result.policy.mandatory)]
    result.messages += policy_findings.lines(result.policy)
    return result


def warn_shared_names(results: list[FileResult]) -> None:
    """Two campaign files with one `campaign:` name: each gets a warning naming the others."""
    by_name: dict[str, list[FileResult]] = {}
    for result in results:
        if result.kind == "campaign" and result.campaign is not None:
            by_name.setdefault(result.campaign, []).append(result)
    for name, same in by_name.items():
        files = {r.file for r in same}
        for result in same:
            others = ", ".join(sorted(files - {result.file}))
            if others:
                result.warnings.append(
                    f"campaign '{name}' is also the `campaign:` of {others}: with one name the files share a state "
                    "backend's state and the sandbox's account; give each file its own `campaign:` name"
                )


def _approvals(path: Path) -> FileResult:
    """An approvals file: readable, of one campaign; `jobs` counts the job keys it approves."""
    result = FileResult(str(path), "approvals")
    try:
        book = read_book(path, "")
    except ApprovalsError as exc:
        result.problems.append(_located(str(path), str(exc)))
        result.messages.append(f"error: {exc}")
        return result
    result.campaign = book.campaign
    result.jobs = {"approved": len(book.entries)}
    return result


def _parsed(message: str, file: str) -> Problem:
    """A message rendered as `FILE:LINE:COL: at PATH: text` back into a Problem."""
    match = re.match(r"(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?:at (?P<path>[^:]+): )?(?P<text>.*)", message, re.S)
    if match is None:
        return Problem(file, 1, 1, "", message)
    return Problem(match["file"], int(match["line"]), int(match["col"]), match["path"] or "", match["text"])


def _located(file: str, message: str) -> Problem:
    """A lockfile message `FILE[:LINE[:COL]]: text` as a Problem."""
    match = re.match(rf"{re.escape(file)}(?::(\d+))?(?::(\d+))?: ", message)
    if match is None:
        return Problem(file, 1, 1, "", message)
    line, col = (int(g) if g else 1 for g in match.groups())
    return Problem(file, line, col, "", message[match.end() :])


def print_text(result: FileResult, *, annotate: bool) -> None:
    """Problems and warnings on stderr, `OK …` on stdout; GitHub annotations on stdout when asked."""
    for message in result.messages:
        click.echo(message, err=True)
    if annotate:
        for p in result.problems:
            text = f"at {p.path}: {p.message}" if p.path else p.message
            click.echo(github_annotation("error", text, file=p.file, line=p.line, col=p.column))
        advisory = [f for f in result.policy.findings if f.level != "mandatory"]
        for line in policy_findings.github_annotations(advisory):
            click.echo(line)
    if result.valid:
        click.echo(f"OK {result.file}: {summary(result)}")
    for warning in result.warnings:
        click.echo(f"Warning: {result.file}: {warning}", err=True)
        if annotate:
            click.echo(github_annotation("warning", warning, file=result.file))


def summary(result: FileResult) -> str:
    """`10 jobs (4 avatar videos, 3 uploads, 3 refresh)` or `lockfile of campaign 'demo' with 1 job`."""
    count = plural(sum(result.jobs.values()), "job")
    if result.kind == "lockfile":
        return f"lockfile of campaign '{result.campaign}' with {count}"
    if result.kind == "approvals":
        return f"approvals of campaign '{result.campaign}' for {count}"
    tallies: dict[tuple[str, str], int] = {}
    twins = 0
    for spec in kinds():
        jobs = result.jobs.get(spec.name, 0)
        if jobs or spec.tally_when_none:
            tallies[spec.counted_as] = tallies.get(spec.counted_as, 0) + jobs
        twins += jobs if spec.twin else 0
    counted = ", ".join(plural(jobs, one, many) for (one, many), jobs in tallies.items())
    return f"{count} ({counted}); {plural(result.videos, 'video')} to generate in all" + (
        "; a twin's videos are made once its subject consents" if twins else ""
    )
