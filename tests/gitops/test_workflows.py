"""The example GitHub workflows' own shell steps, run in a temporary git repo against the sandbox over HTTP.

What no machine here can run (posting comments, labels, artifact upload and download, the
runner's checkout) is listed in docs/gitops.md; the test stands in for the artifact transfer
by copying the saved plans.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from runner.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "examples" / "github"
BIN = Path(sys.executable).parent


def steps(workflow: str) -> dict[str, str]:
    """The named `run:` steps of every job of a workflow."""
    data = yaml.safe_load((WORKFLOWS / workflow).read_text())
    found: dict[str, str] = {}
    for job in data["jobs"].values():
        for step in job["steps"]:
            if "run" in step and "name" in step:
                found[step["name"]] = step["run"]
    return found


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def run_step(script: str, repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a step as GitHub does (`bash -e`), with campaign on PATH."""
    full = {**os.environ, **env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=repo,
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A campaign repo with an `origin` to push to; main holds only a README."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(origin), str(work)], check=True, capture_output=True)
    git(work, "config", "user.name", "Reviewer")
    git(work, "config", "user.email", "reviewer@example.com")
    git(work, "checkout", "-q", "-b", "main")
    (work / "README.md").write_text("ads\n")
    (work / ".gitignore").write_text("campaigns/artifacts/\n.campaign/\n.*.state-lock*\nplans/\napply-exit-code\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "start")
    git(work, "push", "-q", "origin", "main")
    return work


def test_no_run_step_expands_an_expression_inline() -> None:
    # `${{ }}` inside a script is a shell-injection risk: values reach scripts through env only.
    for workflow in ("campaign-plan.yml", "campaign-apply.yml"):
        for name, script in steps(workflow).items():
            assert "${{" not in script, f"{workflow}: step {name!r}"


def test_apply_workflow_uses_a_concurrency_group_per_campaign_file_and_secrets_from_the_store() -> None:
    data = yaml.safe_load((WORKFLOWS / "campaign-apply.yml").read_text())
    apply = data["jobs"]["apply"]
    assert apply["concurrency"] == {"group": "campaign-apply-${{ matrix.campaign }}", "cancel-in-progress": False}
    step = next(s for s in apply["steps"] if s.get("name") == "Apply the saved plan")
    assert all(value.startswith("${{ secrets.") for value in step["env"].values())


def test_pull_request_then_merge_applies_the_saved_plan_and_the_next_plan_has_no_changes(
    repo: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    plan_steps, apply_steps = steps("campaign-plan.yml"), steps("campaign-apply.yml")
    # A pull request adds the demo campaign.
    git(repo, "checkout", "-q", "-b", "add-demo")
    (repo / "campaigns").mkdir()
    (repo / "templates").mkdir()
    (repo / "templates" / "promise.j2").write_text("Dry feet or your money back. {{ brand }}, built for real winters.")
    demo = (ROOT / "campaigns" / "demo.yaml").read_text()
    promise = '  promise: {text: "Dry feet or your money back. {{ brand }}, built for real winters."}'
    assert promise in demo
    (repo / "campaigns" / "demo.yaml").write_text(demo.replace(promise, "  promise: {template: promise.j2}"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Add the demo campaign")
    for name in ("Validate", "Plan"):
        done = run_step(plan_steps[name], repo, {})
        assert done.returncode == 0, (name, done.stdout, done.stderr)
    plans = repo / "plans"
    body = (plans / "demo.md").read_text()
    assert body.startswith("<!-- campaign-plan: campaigns/demo.yaml -->\n")
    assert "to create" in body
    assert (plans / "demo.labels").read_text().splitlines() == ["campaign:changes", "campaign:create"]
    uploaded = tmp_path / "artifact"
    shutil.copytree(plans, uploaded)  # stands in for upload-artifact / gh run download

    # Merge to main.
    git(repo, "checkout", "-q", "main")
    shutil.rmtree(plans)
    git(repo, "merge", "-q", "--no-ff", "add-demo", "-m", "Merge pull request #1 from add-demo")
    git(repo, "push", "-q", "origin", "main")
    outputs = tmp_path / "github-output"
    done = run_step(apply_steps["List campaigns whose plan has changes"], repo, {"GITHUB_OUTPUT": str(outputs)})
    assert done.returncode == 0, done.stderr
    matrix = json.loads(outputs.read_text().strip().partition("campaigns=")[2])
    assert matrix == ["campaigns/demo.yaml"]

    shutil.copytree(uploaded, plans)
    env = {"SPEC": matrix[0], **sandbox.env()}
    for name in ("Apply the saved plan", "Commit the lockfile", "Write the review gallery", "Fail when a job failed"):
        done = run_step(apply_steps[name], repo, env)
        assert done.returncode == 0, (name, done.stdout, done.stderr)
        assert sandbox.env()["TIKTOK_ACCESS_TOKEN"] not in done.stdout + done.stderr
    assert (repo / "apply-exit-code").read_text().strip() == "0"
    # The lockfile is on origin's main, committed with a skip-ci marker.
    log = git(repo, "log", "-1", "--format=%s", "origin/main")
    assert log == "campaign: lockfile for campaigns/demo.yaml [skip ci]\n"
    assert "campaigns/demo.lock.yaml" in git(repo, "show", "--name-only", "--format=", "origin/main")
    gallery = repo / "campaigns" / "artifacts" / "demo" / "index.html"
    assert gallery.read_text().count('<article class="card"') == 7

    # The next pull request's plan says there is nothing to do.
    shutil.rmtree(plans)
    done = run_step(plan_steps["Plan"], repo, {})
    assert done.returncode == 0, done.stderr
    assert (plans / "demo.labels").read_text().splitlines() == ["campaign:no-changes"]
    assert "No changes" in (plans / "demo.md").read_text()

    # A merge that changes only a template applies the campaigns that use it.
    assert listed(apply_steps, repo, tmp_path) == []
    (repo / "templates" / "promise.j2").write_text("Dry feet, or your money back. {{ brand }}.")
    git(repo, "commit", "-q", "-am", "Reword the promise")
    assert listed(apply_steps, repo, tmp_path) == ["campaigns/demo.yaml"]


def listed(apply_steps: dict[str, str], repo: Path, tmp_path: Path) -> list[str]:
    """The campaigns the apply workflow's first job hands to its matrix."""
    outputs = tmp_path / "github-output-listed"
    outputs.unlink(missing_ok=True)
    done = run_step(apply_steps["List campaigns whose plan has changes"], repo, {"GITHUB_OUTPUT": str(outputs)})
    assert done.returncode == 0, done.stderr
    found: list[str] = json.loads(outputs.read_text().strip().partition("campaigns=")[2])
    return found


def test_a_stale_saved_plan_is_refused(repo: Path, sandbox: SandboxServer) -> None:
    plan_steps, apply_steps = steps("campaign-plan.yml"), steps("campaign-apply.yml")
    (repo / "campaigns").mkdir()
    spec = repo / "campaigns" / "demo.yaml"
    shutil.copy(ROOT / "campaigns" / "demo.yaml", spec)
    assert run_step(plan_steps["Plan"], repo, {}).returncode == 0
    spec.write_text(spec.read_text().replace("30% off", "40% off"))  # main moved on after the plan
    done = run_step(apply_steps["Apply the saved plan"], repo, {"SPEC": "campaigns/demo.yaml", **sandbox.env()})
    assert done.returncode == 0  # the step records the code; the last step fails the job
    assert (repo / "apply-exit-code").read_text().strip() == "1"
    assert "changed since the plan" in done.stderr
    assert run_step(apply_steps["Fail when a job failed"], repo, {}).returncode == 1
    assert not (repo / "campaigns" / "demo.lock.yaml").exists()
