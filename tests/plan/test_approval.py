"""Which jobs need sign-off, what waits with them, and what `campaign approve` refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.plan.approval import ApprovalRefused, Signing, required_roles, sign, split_awaiting
from runner.plan.make import Planned, make_plan
from runner.plan.review import reviewed

SPEC = """\
version: 1
campaign: signed
avatars:
  a: {id: "7295705233773068290"}
  n: {name: "Isabelle"}
scripts:
  s0: {text: "Zero."}
approval: {required: true, roles: [legal, brand]}
videos:
  - id: promo
    avatars: [a]
    scripts: [s0]
  - id: named
    avatars: [n]
    scripts: [s0]
    approval: {required: true}
refresh:
  - id: music
    source: {from: promo}
    strategies: [SWAP_MUSIC]
    approval: {required: false}
"""


def _planned(tmp_path: Path) -> Planned:
    path = tmp_path / "signed.yaml"
    path.write_text(SPEC)
    return make_plan(path)


def test_a_groups_rule_replaces_the_top_levels(tmp_path: Path) -> None:
    spec = _planned(tmp_path).spec
    assert required_roles(spec, ["videos.promo[avatar=a,script=s0]"]) == ("legal", "brand")
    assert required_roles(spec, ["videos.named[avatar=n,script=s0]"]) == ("",)
    assert required_roles(spec, ["refresh.music[avatar=a,script=s0]"]) == ()
    assert required_roles(spec, ["avatars.twin"]) == ("legal", "brand")  # outside any group: the top level


def test_what_depends_on_a_waiting_job_waits_with_it(tmp_path: Path) -> None:
    plan = reviewed(_planned(tmp_path))
    kept, held = split_awaiting(plan.changes)
    held_kinds = sorted(c.job.kind for c in held if c.job is not None)
    assert held_kinds == ["avatar_video", "avatar_video", "refresh_video", "upload"]  # music needs none, but waits
    assert all(c.approval is None or c.approval.approved for c in kept)


def test_approve_asks_for_a_role_and_refuses_unknown_roles_and_names(tmp_path: Path) -> None:
    planned = _planned(tmp_path)
    promo = {k for k, j in planned.graph.jobs.items() if j.addresses[0].startswith("videos.promo")}
    with pytest.raises(ApprovalRefused, match="say which one you sign for with --role"):
        sign(planned, promo, Signing("dana", None, "", "2026-12-03T10:00:00Z"))
    with pytest.raises(ApprovalRefused, match="--role ceo: the selected jobs need legal, brand"):
        sign(planned, promo, Signing("dana", "ceo", "", "2026-12-03T10:00:00Z"))
    book, signed = sign(planned, promo, Signing("dana", "legal", "ok", "2026-12-03T10:00:00Z"))
    assert len(signed) == 1 and len(book.entries) == 1
    named = {k for k, j in planned.graph.jobs.items() if j.addresses[0].startswith("videos.named")}
    with pytest.raises(ApprovalRefused, match="its avatar 'Isabelle' is a name not resolved yet"):
        sign(planned, named, Signing("dana", None, "", "2026-12-03T10:00:00Z"))
    music = {k for k, j in planned.graph.jobs.items() if j.addresses[0].startswith("refresh.music")}
    with pytest.raises(ApprovalRefused, match="none of the selected jobs needs approval"):
        sign(planned, music, Signing("dana", None, "", "2026-12-03T10:00:00Z"))
