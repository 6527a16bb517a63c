"""A digital twin's create whose reply was lost is looked for until HeyGen could have made it, never made twice."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from runner import api_facts as facts
from runner.campaignfile.load import load_spec
from runner.execute.engine import ApplyResult, ExecuteOptions, Providers, execute
from runner.lock import lockfile
from runner.lock.records import JobRecord
from runner.plan.make import plan_for
from runner.providers.errors import OutcomeUnknown
from runner.providers.footage import FootageSource
from runner.providers.models import AvatarGroup, CatalogAvatar, TwinCreated
from runner.vocabulary.names import tagged_video_name
from runner.vocabulary.states import JobState
from tests.fake_clock import FakeClock

SPEC = """\
version: 1
campaign: founder
provider: heygen
avatars:
  founder:
    twin: {name: "Dana (founder)", footage: {url: "https://cdn.example.com/dana.mp4"}}
scripts:
  hello: {text: "Hi, I'm Dana."}
videos:
  - id: promo
    avatars: [founder]
    scripts: [hello]
    voice: en-US-dana
"""


class LateHeyGen:
    """A twin create whose reply is lost, and which HeyGen processes `late` seconds after it was sent."""

    def __init__(self, clock: FakeClock, late: float) -> None:
        self.clock = clock
        self.late = late
        self.creates: list[str] = []
        self.made_at: float | None = None

    def create_digital_twin(self, name: str, footage: FootageSource, group_id: str | None = None) -> TwinCreated:
        self.creates.append(name)
        if len(self.creates) > 1:  # a create sent again is answered
            return TwinCreated("group_2", "look_2", None)
        self.made_at = self.clock.monotonic() + self.late
        raise OutcomeUnknown("heygen", "/v3/avatars", "NO_REPLY", "the reply was lost after sending")

    def _made(self) -> bool:
        return self.made_at is not None and self.clock.monotonic() >= self.made_at

    def list_avatar_groups(self, ownership: str | None = None) -> list[dict[str, Any]]:
        if not self._made():
            return []
        return [{"id": "group_1", "name": self.creates[0], "consent_status": None}]

    def list_looks(self, group_id: str | None = None) -> list[CatalogAvatar]:
        return [CatalogAvatar("look_1", self.creates[0], "heygen", {"group_id": "group_1"})] if self._made() else []

    def start_consent(self, group_id: str, reroute_url: str | None = None) -> tuple[str, str | None]:
        return "https://app.heygen.example/consent/secret", None

    def get_avatar_group(self, group_id: str) -> AvatarGroup:
        return AvatarGroup(group_id, self.creates[0], None, "pending_consent")


def _apply(tmp_path: Path, late: float) -> tuple[LateHeyGen, ApplyResult]:
    spec_path = tmp_path / "founder.yaml"
    spec_path.write_text(SPEC)
    lock_path = tmp_path / "founder.lock.yaml"
    spec = load_spec(spec_path)
    lock = lockfile.read(lock_path, "founder")
    clock = FakeClock()
    heygen = LateHeyGen(clock, late)
    plan = plan_for(spec, lock, lock_path).plan
    result = execute(plan, lock, lock_path, Providers({"heygen": heygen}), ExecuteOptions(downloads=False), clock=clock)
    return heygen, result


def test_a_lost_twin_that_reaches_heygen_late_is_adopted_not_made_again(tmp_path: Path) -> None:
    heygen, result = _apply(tmp_path, late=45.0)  # after the first look-up, within a request's life
    assert len(heygen.creates) == 1  # one twin, one consent request to its subject
    twin = next(r for r in result.lockfile.jobs.values() if r.twin)
    assert twin.twin is not None and twin.twin["group_id"] == "group_1" and result.consent


def test_a_lost_twin_never_made_is_created_once_it_could_no_longer_appear(tmp_path: Path) -> None:
    heygen, _ = _apply(tmp_path, late=10_000.0)  # never within the bound: the create did not take effect
    assert len(heygen.creates) == 2


class PausedHolderHeyGen(LateHeyGen):
    """An earlier runner wrote ahead a twin and was paused: its create, with its tag, reaches HeyGen at `made_at`."""

    def __init__(self, clock: FakeClock, name: str, made_at: float) -> None:
        super().__init__(clock, 0.0)
        self.made_at = made_at
        self.sent_name = name

    def list_avatar_groups(self, ownership: str | None = None) -> list[dict[str, Any]]:
        return [{"id": "group_1", "name": self.sent_name, "consent_status": None}] if self._made() else []

    def list_looks(self, group_id: str | None = None) -> list[CatalogAvatar]:
        return [CatalogAvatar("look_1", self.sent_name, "heygen", {"group_id": "group_1"})] if self._made() else []

    def get_avatar_group(self, group_id: str) -> AvatarGroup:
        return AvatarGroup(group_id, self.sent_name, None, "pending_consent")


def test_a_twin_written_ahead_long_ago_by_a_paused_runner_is_looked_for_from_this_run_s_start(tmp_path: Path) -> None:
    spec_path = tmp_path / "founder.yaml"
    spec_path.write_text(SPEC)
    lock_path = tmp_path / "founder.lock.yaml"
    spec, clock = load_spec(spec_path), FakeClock()
    job = next(c.job for c in plan_for(spec, lockfile.read(lock_path, "founder"), lock_path).plan.changes if c.job)
    name = tagged_video_name(job.name or job.key, job.key, limit=facts.HEYGEN_TWIN_NAME_MAX_CHARS)
    written = JobRecord(
        job.kind, job.provider, JobState.PENDING, job.addresses, name=job.name, video_name=name, attempts=1
    )
    lock = replace(
        lockfile.read(lock_path, "founder"), jobs={job.key: replace(written, submitted_at=clock.time() - 600)}
    )
    heygen = PausedHolderHeyGen(clock, name, made_at=clock.monotonic() + 30)  # after this run's first look
    plan = plan_for(spec, lock, lock_path).plan
    result = execute(plan, lock, lock_path, Providers({"heygen": heygen}), ExecuteOptions(downloads=False), clock=clock)
    assert heygen.creates == []  # adopted by its tag: no second twin, no second consent request
    twin = result.lockfile.jobs[job.key].twin
    assert twin is not None and twin["group_id"] == "group_1"
