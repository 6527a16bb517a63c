"""What one apply was asked for, and the frozen context every step of it reads."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from runner.campaignfile.load import load_spec
from runner.campaignfile.model import Spec
from runner.errors import CampaignError
from runner.plan.planfile import SavedPlan, read_plan_file
from runner.plan.review import Review, review_of_saved
from runner.workspace import Workspace


@dataclass(frozen=True)
class ApplyRequest:
    """What the user asked for on the command line."""

    spec_path: Path
    lock_path: Path | None = None
    plan_path: Path | None = None
    yes: bool = False
    accept_notices: bool = False
    sandbox: bool = False
    parallelism: int = 8
    fmt: str = "text"
    review: Review = Review()
    allow_forget_inflight: bool = False
    retry_unknown: bool = False
    wait_consent_seconds: float = 0.0
    lock_timeout_seconds: float = 0.0


@dataclass(frozen=True)
class Context:
    """One apply: the request, the loaded spec, its files, and what was decided before anything was locked."""

    request: ApplyRequest
    spec: Spec
    workspace: Workspace
    interactive: bool  # a person at a terminal can answer questions
    review: Review  # the selection and budget: the command line's, or the saved plan's
    saved: SavedPlan | None = None

    @property
    def accepted(self) -> bool:
        """The providers' notices were acknowledged in advance (flag or spec)."""
        return self.request.accept_notices or self.spec.apply.accept_notices

    @property
    def downloads_to(self) -> Path | None:
        """Where videos are downloaded, or None when the spec turns downloads off."""
        if not self.spec.apply.download:
            return None
        return self.workspace.artifacts(self.spec.apply.artifacts_dir)

    @property
    def to_stderr(self) -> bool:
        """With `--format json`, stdout carries only the JSON summary."""
        return self.request.fmt == "json"

    @property
    def again(self) -> str:
        """The command that resumes this apply."""
        return f"campaign apply {self.request.spec_path}" + (" --sandbox" if self.request.sandbox else "")


def load(request: ApplyRequest) -> Context:
    """Load and validate the spec, then check how the run is confirmed and read a saved plan; nothing is locked yet."""
    spec = load_spec(request.spec_path)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not (request.yes or request.plan_path or interactive):
        raise CampaignError("apply needs a confirmation: pass --yes, or apply a reviewed plan with --plan PLAN")
    workspace = Workspace(request.spec_path, sandbox=request.sandbox, lock_override=request.lock_path)
    if request.plan_path is None:
        return Context(request, spec, workspace, interactive, request.review)
    saved = read_plan_file(request.plan_path)
    if request.review != Review():
        raise CampaignError(
            "--target, --exclude, --replace, --sample and --max-videos come from the saved plan; "
            "drop them, or make a new plan with them"
        )
    return Context(request, spec, workspace, interactive, review_of_saved(saved.data), saved)
