"""`--replace` on jobs that cannot succeed as they stand: a failed-for-good job, or a blocked one, is made again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from runner.lock import lockfile
from runner.lock.records import JobError, JobRecord
from runner.plan.make import make_plan
from runner.plan.model import Action
from runner.plan.review import Review, reviewed
from runner.plan.select import Selection

SPEC = """version: 1
campaign: t
avatars: {a: {id: "1"}}
scripts: {s: {text: "Hello."}}
videos:
  - id: g
    avatars: [a]
    scripts: [s]
refresh:
  - id: r
    source: {from: g}
    strategies: [SWAP_MUSIC]
"""


def _planned(tmp_path: Path, failed_kind: str, error: JobError) -> object:
    """The campaign planned over a lockfile where every job of `failed_kind` is failed for good."""
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC)
    planned = make_plan(spec)
    lock = planned.lock
    for change in planned.plan.changes:
        job = change.job
        assert job is not None
        state = "failed" if job.kind == failed_kind else "succeeded"
        record = JobRecord(job.kind, job.provider, state, job.addresses, name=job.name)  # type: ignore[arg-type]
        if state == "failed":
            record = replace(record, attempts=3, error=error)
        elif job.kind == "avatar_video":
            record = replace(record, video_ids=("v1",))
        if job.kind != "refresh_video" or state == "failed":
            lock = lock.with_job(change.key, record)
    lockfile.write(planned.lock_path, lock)
    return make_plan(spec)


def _by_kind(plan: object) -> dict[str, tuple[str, str | None]]:
    return {c.job.kind: (c.action.value, c.resume) for c in plan.changes if c.job is not None}  # type: ignore[attr-defined]


def test_replace_makes_a_refused_job_again_as_its_retry(tmp_path: Path) -> None:
    planned = _planned(tmp_path, "avatar_video", JobError("40002", "avatar_id: no available digital avatar"))
    plain = _by_kind(reviewed(planned))  # type: ignore[arg-type]
    assert plain["avatar_video"] == ("no-op", None)  # refused: failed for good
    forced = reviewed(planned, Review(Selection(replaces=("g",))))  # type: ignore[arg-type]
    assert _by_kind(forced)["avatar_video"] == ("create", "retry")
    assert forced.estimate.videos >= 1 and forced.counts["create"] >= 1


def test_replace_on_a_blocked_refresh_makes_its_failed_upload_again(tmp_path: Path) -> None:
    planned = _planned(tmp_path, "upload", JobError("40011", "video_url: the URL could not be fetched"))
    plain = _by_kind(reviewed(planned))  # type: ignore[arg-type]
    assert plain["upload"] == ("no-op", None) and plain["refresh_video"][0] == "blocked"
    forced = _by_kind(reviewed(planned, Review(Selection(replaces=("r",)))))  # type: ignore[arg-type]
    assert forced["upload"] == ("create", "retry") and forced["refresh_video"] == ("create", None)
    assert forced["avatar_video"] == ("no-op", None)  # a succeeded source is not paid again
    again = reviewed(planned, Review(Selection(replaces=("r",))))  # type: ignore[arg-type]
    assert not [c for c in again.changes if c.action is Action.BLOCKED]


ORDERED_SPEC = """version: 1
campaign: t
avatars: {b: {id: "2"}, a: {id: "1"}}
scripts: {z: {text: "Zed {{ n }}."}, s: {text: "Hello {{ n }}."}}
videos:
  - id: later
    avatars: [b, a]
    scripts: [z, s]
    matrix: {n: [3, 1, 2]}
  - id: first
    avatars: [a]
    scripts: [s]
    matrix: {n: [9, 8]}
refresh:
  - id: r
    source: {from: first}
    strategies: [SWAP_MUSIC]
"""


def test_file_order_does_not_depend_on_the_order_changes_come_in(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(ORDERED_SPEC)
    planned = make_plan(spec)
    expected = [c.key for c in reviewed(planned).changes]
    first_addresses = [c.job.addresses[0] for c in reviewed(planned).changes if c.job is not None]
    assert first_addresses[:3] == [
        "videos.later[avatar=b,script=z,n=3]",
        "videos.later[avatar=b,script=z,n=1]",
        "videos.later[avatar=b,script=z,n=2]",
    ]
    changes = list(planned.plan.changes)
    for shuffled in (changes[::-1], changes[1::2] + changes[::2], sorted(changes, key=lambda c: c.key)):
        again = replace(planned, plan=replace(planned.plan, changes=tuple(shuffled)))
        assert [c.key for c in reviewed(again).changes] == expected
