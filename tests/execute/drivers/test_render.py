"""The generic render driver drives a provider registered from outside, with no driver of its own.

Every call of the fake snapshots the lockfile on disk first: write-ahead order, not only the end state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from runner.execute.engine import ExecuteOptions, Providers, execute
from runner.lock import lockfile
from runner.lock.records import Lockfile
from runner.plan.job import Job, job_key
from runner.plan.model import Action, Change, Estimate, Plan
from runner.plan.requests import RenderRequest
from runner.providers.errors import OutcomeUnknown
from runner.vocabulary.kinds import Costs, JobKind, KindSpec, kind, register_kind, unregister_kind
from runner.vocabulary.providers import ProviderSpec, register_provider, unregister_provider
from runner.vocabulary.tasks import RenderResult, TaskStatus
from tests.fake_clock import FakeClock

RENDER_DRIVER = "runner.execute.drivers.render:RenderVideos"


@pytest.fixture
def acme() -> Iterator[str]:
    """A provider and a kind registered from outside the tool; the kind names the generic render driver."""
    register_provider(ProviderSpec("acme", "Acme", "ACME_API_BASE_URL", "https://acme.invalid", (), "x:Y"))
    register_kind(
        KindSpec(
            "acme_video",
            "ac",
            "acme",
            1,
            "Acme video",
            RENDER_DRIVER,
            costs=Costs(poll_batch=1, processing_seconds=10.0),
        )
    )
    yield "acme_video"
    unregister_kind("acme_video")
    unregister_provider("acme")


class FakeRenders:
    """Renders finish on their second poll; the first create's reply can be lost after it was made."""

    def __init__(self, lock_path: Path, lose_first: bool = False) -> None:
        self.lock_path = lock_path
        self.lose_first = lose_first
        self.calls: list[tuple[str, str, dict[str, tuple[str, tuple[str, ...]]]]] = []
        self.renders: dict[str, dict[str, Any]] = {}  # idempotency key -> render
        self.request_count = 0

    def _call(self, name: str, arg: str) -> None:
        self.request_count += 1
        disk = lockfile.read(self.lock_path, "acme").jobs
        self.calls.append((name, arg, {k: (r.state, r.task_ids) for k, r in disk.items()}))

    def create_render(self, request: Mapping[str, str], idempotency_key: str, title: str) -> str:
        self._call("create", idempotency_key)
        render = self.renders.setdefault(idempotency_key, {"id": f"r{len(self.renders) + 1}", "polls": 0, **request})
        if self.lose_first:
            self.lose_first = False
            raise OutcomeUnknown("acme", "/renders", "NO_REPLY", "lost")
        return str(render["id"])

    def get_render(self, render_id: str) -> RenderResult:
        self._call("poll", render_id)
        render = next(r for r in self.renders.values() if r["id"] == render_id)
        render["polls"] += 1
        if render["polls"] < 2:
            return RenderResult(render_id, TaskStatus.RUNNING)
        return RenderResult(render_id, TaskStatus.SUCCEEDED, f"v-{render_id}")


def _plan(scripts: tuple[str, ...]) -> Plan:
    changes = []
    for script in scripts:
        payload = RenderRequest("a1", script)
        job = Job(job_key("acme_video", "acme", payload.canonical()), "acme_video", "acme", payload, (script,))
        changes.append(Change(Action.CREATE, job.key, job))
    return Plan("acme", tuple(changes), Estimate(len(changes), 2 * len(changes), 10.0))


def _apply(tmp_path: Path, fake_kwargs: dict[str, Any], options: ExecuteOptions) -> tuple[FakeRenders, Any]:
    lock_path = tmp_path / "acme.lock.yaml"
    fake = FakeRenders(lock_path, **fake_kwargs)
    plan = _plan(("One.", "Two."))
    result = execute(plan, Lockfile("acme"), lock_path, Providers({"acme": fake}), options, clock=FakeClock())
    return fake, result


def test_a_registered_kind_renders_through_the_generic_driver_written_ahead(acme: str, tmp_path: Path) -> None:
    fake, result = _apply(tmp_path, {}, ExecuteOptions(parallelism=1))
    assert len(result.succeeded) == 2 and result.videos_created == 2 and result.requests == 6
    for name, arg, disk in fake.calls:
        if name == "create":
            assert disk[arg.split(".")[0]][0] == "pending"  # written ahead; the idempotency key is `<job key>.<tag>`
        else:
            assert any(arg in task_ids for _, task_ids in disk.values())  # the render id was on disk first
    jobs = result.lockfile.jobs
    assert sorted(r.video_ids[0] for r in jobs.values()) == ["v-r1", "v-r2"]


def test_renders_in_flight_stay_within_the_providers_cap(acme: str, tmp_path: Path) -> None:
    fake, result = _apply(tmp_path, {}, ExecuteOptions(max_in_flight={"acme": 1}))
    second = [c for c in fake.calls if c[0] == "create"][1]
    assert [state for state, _ in second[2].values()].count("succeeded") == 1  # the first finished before
    assert len(result.succeeded) == 2


def test_a_lost_create_reply_is_sent_again_under_the_same_key(acme: str, tmp_path: Path) -> None:
    fake, result = _apply(tmp_path, {"lose_first": True}, ExecuteOptions(parallelism=1))
    creates = [c[1] for c in fake.calls if c[0] == "create"]
    assert len(creates) == 3 and len(set(creates)) == 2 and len(fake.renders) == 2  # made once each
    assert len(result.succeeded) == 2 and result.videos_created == 2


def test_heygen_videos_use_the_generic_driver_with_the_documented_bound() -> None:
    spec = kind(JobKind.HEYGEN_VIDEO)
    assert spec.driver == RENDER_DRIVER
    assert spec.costs.processing_seconds == 15 * 60  # "Renders typically take 5-15 minutes"
