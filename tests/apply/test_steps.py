"""Apply's steps one at a time: guardrails before any request, the world check, and one plan in the common case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.apply import steps
from runner.apply.context import ApplyRequest, load
from runner.apply.orchestrate import run_apply
from runner.errors import CampaignError
from runner.lock.records import Lockfile
from runner.lock.world import Endpoint, World, WorldMismatch
from runner.plan.budget import OverBudget
from runner.plan.make import plan_for

BY_ID = '{id: "7295705233773068290"}'
BY_NAME = '{name: "Isabelle in light green top"}'
SPEC = """version: 1
campaign: steps
avatars:
  a0: AVATAR
scripts:
  s0: {text: "Step script for {{ avatar }}."}
  s1: {text: "Another step script for {{ avatar }}."}
videos:
  - id: promo
    avatars: [a0]
    scripts: [s0, s1]
apply: {download: false}
"""


def _spec(tmp_path: Path, avatar: str = BY_ID, extra: str = "") -> Path:
    path = tmp_path / "steps.yaml"
    path.write_text(SPEC.replace("AVATAR", avatar) + extra)
    return path


def test_load_needs_a_confirmation_without_a_terminal(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="--yes"):
        load(ApplyRequest(_spec(tmp_path)))
    ctx = load(ApplyRequest(_spec(tmp_path), yes=True, sandbox=True))
    assert ctx.workspace.lockfile == tmp_path / "steps.sandbox.lock.yaml" and ctx.downloads_to is None


def test_the_budget_stops_apply_before_anything_is_asked(tmp_path: Path) -> None:
    ctx = load(ApplyRequest(_spec(tmp_path, extra="budget: {max_new_videos: 1}\n"), yes=True))
    proposal = steps.propose(ctx, Lockfile(campaign="steps"))
    assert len(proposal.plan.changes) == 2 and not proposal.changed
    with pytest.raises(OverBudget, match="max_new_videos = 1"):
        steps.guard(ctx, proposal)


def test_notices_are_required_before_any_request_without_a_terminal(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    spec.write_text(spec.read_text().replace("apply: {download: false}\n", ""))  # TikTok-made videos downloaded
    ctx = load(ApplyRequest(spec, yes=True))
    with pytest.raises(CampaignError, match="--accept-notices"):
        steps.guard(ctx, steps.propose(ctx, Lockfile(campaign="steps")))
    accepted = load(ApplyRequest(spec, yes=True, accept_notices=True))
    steps.guard(accepted, steps.propose(accepted, Lockfile(campaign="steps")))


def test_another_world_is_refused_and_a_new_one_is_recorded(tmp_path: Path) -> None:
    ctx = load(ApplyRequest(_spec(tmp_path), yes=True, sandbox=True))
    assert steps.check_world(ctx, Lockfile(campaign="steps")).sandbox
    real = World(sandbox=False, providers={"tiktok": Endpoint("business-api.tiktok.com")})
    with pytest.raises(WorldMismatch, match="written outside the sandbox"):
        steps.check_world(ctx, Lockfile(campaign="steps", world=real))


@pytest.mark.parametrize(("avatar", "plans"), [(BY_ID, 1), (BY_NAME, 2)])
def test_apply_plans_once_unless_names_are_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, avatar: str, plans: int
) -> None:
    made: list[Any] = []

    def counted(*args: Any) -> Any:
        made.append(args)
        return plan_for(*args)

    monkeypatch.setattr(steps, "plan_for", counted)
    spec = _spec(tmp_path, avatar)
    assert run_apply(ApplyRequest(spec, yes=True, accept_notices=True, sandbox=True)) == 0
    assert len(made) == plans
    made.clear()
    assert run_apply(ApplyRequest(spec, yes=True, accept_notices=True, sandbox=True)) == 0
    assert len(made) == 1  # the names are in the lockfile now; nothing to do
