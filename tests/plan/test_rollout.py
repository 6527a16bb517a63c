"""Rollout waves over a plan: each group's first cells in file order, inputs made first, failures counted."""

from __future__ import annotations

from pathlib import Path

from runner.campaignfile.model import Rollout
from runner.lock.records import JobRecord, Lockfile
from runner.plan.make import make_plan
from runner.plan.review import reviewed
from runner.plan.rollout import failed_share, group_jobs, next_wave, recorded_failures
from runner.vocabulary.states import JobState

SPEC = """\
version: 1
campaign: waves
avatars:
  a: {id: "7295705233773068290"}
  b: {id: "7301881390801354754"}
scripts:
  s0: {text: "Zero."}
  s1: {text: "One."}
  s2: {text: "Two."}
videos:
  - id: promo
    avatars: [a, b]
    scripts: [s0, s1, s2]
refresh:
  - id: music
    source: {from: promo, where: {script: s0}}
    strategies: [SWAP_MUSIC]
"""


def _planned(tmp_path: Path) -> object:
    spec = tmp_path / "waves.yaml"
    spec.write_text(SPEC)
    return make_plan(spec)


def test_the_first_wave_takes_each_groups_first_cells_and_only_inputs_it_makes(tmp_path: Path) -> None:
    planned = _planned(tmp_path)
    groups = group_jobs(planned.spec, planned.graph)  # type: ignore[attr-defined]
    assert [len(keys) for keys in groups.values()] == [6, 2]
    first = [planned.graph.jobs[k].addresses[0] for k in groups["promo"][:2]]  # type: ignore[attr-defined]
    assert first == ["videos.promo[avatar=a,script=s0]", "videos.promo[avatar=a,script=s1]"]
    plan = reviewed(planned)  # type: ignore[arg-type]
    wave = next_wave(Rollout((2, 1.0)), groups, planned.lock, plan)  # type: ignore[attr-defined]
    made = {planned.graph.jobs[k].addresses[0] for k in wave.paid_keys}  # type: ignore[attr-defined]
    # music's second cell (avatar b) refreshes a video of wave 2: it waits with it, and so does its upload
    assert made == {
        "videos.promo[avatar=a,script=s0]",
        "videos.promo[avatar=a,script=s1]",
        "refresh.music[avatar=a,script=s0]",
    }
    assert wave.number == 1 and wave.waves == 2 and wave.later == 5
    assert len(wave.plan.changes) == 4  # with the upload of a's video


def test_a_state_that_holds_the_first_wave_goes_on_with_the_next(tmp_path: Path) -> None:
    planned = _planned(tmp_path)
    groups = group_jobs(planned.spec, planned.graph)  # type: ignore[attr-defined]
    made = {
        key: JobRecord("avatar_video", "tiktok", JobState.SUCCEEDED, planned.graph.jobs[key].addresses)  # type: ignore[attr-defined]
        for key in groups["promo"][:2]
    }
    state = Lockfile("waves", made)
    wave = next_wave(Rollout((0.25, 1.0)), groups, state, reviewed(planned))  # type: ignore[arg-type]
    promo = {planned.graph.jobs[k].addresses[0] for k in wave.paid_keys if k in groups["promo"]}  # type: ignore[attr-defined]
    assert len(promo) == 6  # 25 % of 6 is 2 cells, made (the plan here did not see them): promo's last wave
    assert wave.number == 1 and wave.later == 1  # music (2 cells) is in its first wave: 1 of its 2
    assert recorded_failures(groups, state) == ([], 0.0)


def test_failed_share_counts_failures_among_the_keys() -> None:
    assert failed_share(["a", "b", "c", "d"], {"b", "z"}) == (["b"], 0.25)
    assert failed_share([], {"b"}) == ([], 0.0)
