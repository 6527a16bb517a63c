from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner

from runner.commands.graph import command as graph_command
from runner.commands.plan import command as plan_command
from runner.lock import lockfile
from runner.lock.lockfile import JobRecord, Lockfile
from runner.plan.make import make_plan
from runner.plan.render import MARKDOWN_LIMIT, render_markdown
from runner.plan.planfile import read_plan_file

PROJECT_DIR = Path(__file__).resolve().parents[2]

DEMO = PROJECT_DIR / "campaigns" / "demo.yaml"


def _complete_lock(spec: Path, lock_path: Path) -> None:
    planned = make_plan(spec, lock_path)
    lock = Lockfile(campaign=planned.spec.campaign, resolved_avatars={"tiktok": {"Tom in blue shirt": "7295759871838797825"}},
                    lineage="lineage-fixed-for-the-byte-comparison")
    for key, job in planned.graph.jobs.items():
        lock = lock.with_job(key, JobRecord(kind=job.kind, provider=job.provider, state="succeeded",
                                            addresses=job.addresses, name=job.name, video_ids=("1",)))
    lockfile.write(lock_path, lock)


def test_plan_json_and_lockfile_are_byte_identical_across_runs(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(plan_command, [str(DEMO), "--format", "json", "--lock", str(tmp_path / "x.lock.yaml")])
    second = runner.invoke(plan_command, [str(DEMO), "--format", "json", "--lock", str(tmp_path / "x.lock.yaml")])
    assert first.exit_code == 0 and first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["format_version"] == "1.0" and data["counts"]["create"] == 10
    _complete_lock(DEMO, tmp_path / "a.lock.yaml")
    _complete_lock(DEMO, tmp_path / "b.lock.yaml")
    assert (tmp_path / "a.lock.yaml").read_bytes() == (tmp_path / "b.lock.yaml").read_bytes()


def test_detailed_exitcode_and_saved_plan(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "p.json"
    lock = tmp_path / "demo.lock.yaml"
    result = runner.invoke(plan_command, [str(DEMO), "--lock", str(lock), "--out", str(out), "--detailed-exitcode"])
    assert result.exit_code == 2
    saved = read_plan_file(out)
    assert len(saved.changes) == 10 and saved.spec_digest and saved.lock_digest
    _complete_lock(DEMO, lock)
    result = runner.invoke(plan_command, [str(DEMO), "--lock", str(lock), "--detailed-exitcode"])
    assert result.exit_code == 0 and "No changes." in result.stdout


def test_plan_opens_no_network_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("plan opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    runner = CliRunner()
    by_id = runner.invoke(plan_command, [str(DEMO), "--lock", str(tmp_path / "none.lock.yaml")])
    assert by_id.exit_code == 0, by_id.output
    boots = PROJECT_DIR / "campaigns" / "winter-boots.yaml"
    lock = tmp_path / "boots.lock.yaml"
    _complete_lock(boots, lock)  # names resolved in the lockfile
    resolved = runner.invoke(plan_command, [str(boots), "--lock", str(lock), "--format", "markdown"])
    assert resolved.exit_code == 0 and "(id known after apply)" not in resolved.stdout


def test_markdown_is_capped_with_a_notice(tmp_path: Path, write_spec: Callable[..., Path]) -> None:
    values = ", ".join(f"p{i}" for i in range(2000))
    spec = write_spec(f"""version: 1
campaign: big
avatars: {{a: {{id: "1"}}, b: {{id: "2"}}}}
scripts: {{s: {{text: "Buy {{{{ product }}}} now."}}, t: {{text: "Try {{{{ product }}}}."}}}}
videos:
  - id: g
    avatars: [a, b]
    scripts: [s, t]
    matrix: {{product: [{values}]}}
""")
    plan = make_plan(spec).plan
    assert plan.counts["create"] == 8000
    text = render_markdown(plan)
    assert len(text) < MARKDOWN_LIMIT
    assert text.startswith("### campaign `big`") and "Plan: 8000 to create" in text.splitlines()[2]
    assert "Plan truncated" in text


def test_graph_formats() -> None:
    runner = CliRunner()
    mermaid = runner.invoke(graph_command, [str(DEMO)])
    assert mermaid.exit_code == 0 and mermaid.stdout.startswith("flowchart LR") and mermaid.stdout.count("-->") == 6
    dot = runner.invoke(graph_command, [str(DEMO), "--format", "dot"])
    assert dot.exit_code == 0 and dot.stdout.startswith('digraph "demo"') and dot.stdout.count("->") == 6
