"""The render driver's keys and titles: one key per attempt, written ahead; past the key window a look-up first.

Every call of the fake snapshots the lockfile on disk first: write-ahead order, not only the end state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from runner.execute.engine import ApplyResult, ExecuteOptions, Providers, execute
from runner.lock import lockfile
from runner.lock.lockfile import JobRecord, Lockfile
from runner.plan.job import Job
from runner.plan.model import Action, Change, Estimate, Plan, Resume
from runner.plan.requests import RenderRequest
from runner.vocabulary.kinds import KindSpec, register_kind, unregister_kind
from runner.vocabulary.names import attempt_key, name_tag
from runner.vocabulary.providers import ProviderSpec, register_provider, unregister_provider
from runner.vocabulary.states import JobState
from runner.vocabulary.tasks import RenderResult, TaskStatus
from tests.fake_clock import FakeClock

WINDOW = 3600.0
REQUEST = RenderRequest("a1", "One.")


@pytest.fixture(autouse=True)
def acme() -> Iterator[None]:
    """A render provider whose keys replay for an hour, registered from outside the tool."""
    register_provider(
        ProviderSpec(
            "acme", "Acme", "ACME_API_BASE_URL", "https://x.invalid", (), "x:Y", idempotency_window_seconds=WINDOW
        )
    )
    register_kind(KindSpec("acme_video", "ac", "acme", 1, "Acme video", "runner.execute.drivers.render:RenderVideos"))
    yield
    unregister_kind("acme_video")
    unregister_provider("acme")


class Renders:
    """Finds renders by title; renders finish by their first poll (failed when told); each call sees the lockfile on disk."""

    def __init__(self, lock_path: Path, fail: bool = False, existing: list[RenderResult] | None = None) -> None:
        self.lock_path = lock_path
        self.fail = fail
        self.made: list[RenderResult] = list(existing or [])
        self.calls: list[tuple[str, str, JobRecord | None]] = []

    def _see(self, name: str, arg: str) -> None:
        self.calls.append((name, arg, lockfile.read(self.lock_path, "acme").jobs.get(JOB.key)))

    def create_render(self, request: Mapping[str, str], idempotency_key: str, title: str) -> str:
        self._see("create", idempotency_key)
        status = TaskStatus.FAILED if self.fail else TaskStatus.SUCCEEDED
        self.made.append(RenderResult(f"r{len(self.made) + 1}", status, error="it broke", title=title))
        return self.made[-1].render_id

    def get_render(self, render_id: str) -> RenderResult:
        self._see("poll", render_id)
        render = next(r for r in self.made if r.render_id == render_id)
        return replace(render, status=TaskStatus.SUCCEEDED) if render.status == TaskStatus.RUNNING else render

    def find_renders(self, title: str) -> list[RenderResult]:
        self._see("find", title)
        return [r for r in self.made if title in (r.title or "")]


JOB = Job("ac-0123456789abcdef", "acme_video", "acme", REQUEST, ("one",), name="one")


def run(tmp_path: Path, fake: Renders, lock: Lockfile, change: Change, clock: FakeClock) -> ApplyResult:
    """One run of the engine over one change."""
    lockfile.write(fake.lock_path, lock)
    plan = Plan("acme", (change,), Estimate(1, 2, 1.0))
    return execute(plan, lock, fake.lock_path, Providers({"acme": fake}), ExecuteOptions(), clock=clock)


def test_a_retry_of_a_failed_render_is_written_ahead_under_a_new_key_and_title(tmp_path: Path) -> None:
    clock = FakeClock()
    fake = Renders(tmp_path / "acme.lock.yaml", fail=True)
    first = run(tmp_path, fake, Lockfile("acme"), Change(Action.CREATE, JOB.key, JOB), clock)
    failed = first.lockfile.jobs[JOB.key]
    assert (
        failed.state == JobState.FAILED
        and failed.idempotency_key == attempt_key(JOB.key, 1, "acme")
        and failed.attempts == 1
    )
    assert failed.error is not None and failed.error.message == "it broke"

    fake.fail = False
    retry = Change(Action.CREATE, JOB.key, JOB, record=failed, resume=Resume.RETRY)
    second = run(tmp_path, fake, first.lockfile, retry, clock)
    name, key, on_disk = next(c for c in fake.calls if c[0] == "create" and c[1] != attempt_key(JOB.key, 1, "acme"))
    assert key == f"{JOB.key}.{name_tag(JOB.key, 'acme')}:2"  # a new key: the old one would replay the failed render
    assert on_disk is not None and on_disk.state == JobState.PENDING and on_disk.idempotency_key == key
    assert on_disk.video_name == f"one~{name_tag(JOB.key, 'acme')}:2" and on_disk.attempts == 2
    assert second.lockfile.jobs[JOB.key].state == JobState.SUCCEEDED and second.videos_created == 1


def _pending(clock: FakeClock, age: float) -> JobRecord:
    return JobRecord(
        kind="acme_video",
        provider="acme",
        state=JobState.PENDING,
        addresses=JOB.addresses,
        name="one",
        video_name=f"one~{name_tag(JOB.key)}:2",
        attempts=2,
        submitted_at=clock.time() - age,
        request=REQUEST.canonical(),
        idempotency_key=f"{JOB.key}:2",
    )


@pytest.mark.parametrize("age", [60.0, 2 * WINDOW])
def test_a_pending_render_is_sent_again_within_the_window_and_looked_up_after_it(tmp_path: Path, age: float) -> None:
    clock = FakeClock()
    record = _pending(clock, age)
    made = RenderResult("r9", TaskStatus.RUNNING, title=record.video_name)
    fake = Renders(tmp_path / "acme.lock.yaml", existing=[made])
    change = Change(Action.CREATE, JOB.key, JOB, record=record, resume=Resume.PENDING)
    result = run(tmp_path, fake, Lockfile("acme", {JOB.key: record}), change, clock)
    assert result.lockfile.jobs[JOB.key].state == JobState.SUCCEEDED
    kinds = [c[0] for c in fake.calls]
    if age < WINDOW:  # the same key replays the first reply: sent again, no look-up
        assert kinds[0] == "create" and fake.calls[0][1] == record.idempotency_key and "find" not in kinds
        assert fake.calls[0][2] == record  # no second write-ahead: the attempt is the same
    else:  # the key may have expired: the render is found by its title and adopted, nothing is sent
        assert kinds[0] == "find" and "create" not in kinds
        assert result.lockfile.jobs[JOB.key].task_ids == ("r9",) and result.videos_paid == 0


def test_past_the_window_a_render_not_found_is_sent_again_under_its_key(tmp_path: Path) -> None:
    clock = FakeClock()
    record = _pending(clock, 2 * WINDOW)
    other_attempt = RenderResult("r1", TaskStatus.FAILED, title=f"one~{name_tag(JOB.key)}")  # attempt 1's
    fake = Renders(tmp_path / "acme.lock.yaml", existing=[other_attempt])
    change = Change(Action.CREATE, JOB.key, JOB, record=record, resume=Resume.PENDING)
    result = run(tmp_path, fake, Lockfile("acme", {JOB.key: record}), change, clock)
    assert [c[0] for c in fake.calls][:2] == ["find", "create"]
    _, key, on_disk = fake.calls[1]
    assert key == record.idempotency_key and on_disk is not None and on_disk.state == JobState.PENDING
    assert replace(on_disk, submitted_at=None) == replace(record, submitted_at=None)  # the same attempt...
    assert (on_disk.submitted_at or 0) >= (record.submitted_at or 0) + 2 * WINDOW  # ...whose key's window starts anew
    assert result.lockfile.jobs[JOB.key].state == JobState.SUCCEEDED
