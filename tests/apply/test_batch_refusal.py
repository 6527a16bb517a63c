"""A campaign with one bad avatar, applied against the sandbox as a new user would: only its jobs fail, and
fixing it makes them, nothing paid twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from runner.lock import lockfile, records

GOOD = ["7295705233773068290", "7301881390801354754", "7301881390801371138", "7295759871838797825"]
TYPO = GOOD[1][:-1] + "5"  # one digit off


def campaign(avatars: list[str]) -> str:
    """Three avatars x one script x `matrix: {n: [1, 2, 3]}`: nine videos, creates of five packages per call."""
    return (
        "version: 1\ncampaign: skincare\navatars:\n"
        + "".join(f'  a{i}: {{id: "{a}"}}\n' for i, a in enumerate(avatars))
        + "scripts:\n  s: {text: 'Serum number {{ n }} for {{ avatar }}.'}\n"
        + "videos:\n  - id: promo\n    avatars: [a0, a1, a2]\n    scripts: [s]\n    matrix: {n: [1, 2, 3]}\n"
    )


def lock_of(spec: Path) -> records.Lockfile:
    """The lockfile beside the spec, write-ahead journal replayed."""
    return lockfile.read(spec.with_name(spec.stem + ".lock.yaml"), "skincare")


def states(spec: Path) -> dict[str, list[str]]:
    """Job states by avatar alias."""
    out: dict[str, list[str]] = {}
    for record in lock_of(spec).jobs.values():
        alias = next(a.split("avatar=")[1][:2] for a in record.addresses)
        out.setdefault(alias, []).append(record.state)
    return {alias: sorted(found) for alias, found in sorted(out.items())}


def apply_then_fix(sb: Any, spec: Path, kit: Any, fixed: list[str]) -> None:
    """Apply: only a1's three jobs fail; fix a1: its three jobs are made; nine videos paid for in all."""
    first = kit.run(kit.apply_command(spec), sb.env())
    assert first.returncode == 1, first.stderr
    assert states(spec) == {"a0": ["succeeded"] * 3, "a1": ["failed"] * 3, "a2": ["succeeded"] * 3}
    assert sb.stats()["avatar_videos_created"] == 6
    refused = [r for r in lock_of(spec).jobs.values() if r.state == "failed"]
    assert all(r.error is not None and "no available digital avatar" in r.error.message for r in refused)
    assert all(r.attempts == 0 and not r.task_ids for r in refused)  # refused: nothing was made, not an attempt
    assert "material_packages[" not in first.stderr + first.stdout  # a batch position means nothing to the user
    spec.write_text(campaign(fixed))
    second = kit.run(kit.apply_command(spec), sb.env())
    assert second.returncode == 0, second.stderr
    assert states(spec) == {"a0": ["succeeded"] * 3, "a1": ["succeeded"] * 3, "a2": ["succeeded"] * 3}
    assert sb.stats()["avatar_videos_created"] == 9  # nothing paid twice
    assert len({v for r in lock_of(spec).jobs.values() for v in r.video_ids}) == 9


def test_a_mistyped_avatar_id_fails_only_its_own_jobs(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory()
    spec = write_campaign(campaign([GOOD[0], TYPO, GOOD[2]]))
    apply_then_fix(sb, spec, kit, [GOOD[0], GOOD[1], GOOD[2]])


def test_an_avatar_retired_from_the_catalog_fails_only_its_own_jobs(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    retired = httpx.post(f"{sb.base_url}/_sandbox/retire", json={"avatar_ids": [GOOD[1]]}).json()
    assert retired == {"retired": 1}
    spec = write_campaign(campaign(GOOD[:3]))
    apply_then_fix(sb, spec, kit, [GOOD[0], GOOD[3], GOOD[2]])
