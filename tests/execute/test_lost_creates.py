"""Lost avatar creates: one account listing per avatar serves all of its lost creates; nothing is paid twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from runner.execute.engine import ApplyResult, ExecuteOptions, Providers, execute
from runner.execute.lost_creates import LostCreates
from runner.execute.runs import JobRun
from runner.plan.make import make_plan
from runner.providers.errors import OutcomeUnknown
from runner.providers.models import CreatedTask
from tests.execute.test_engine import FakeTikTok
from tests.fake_clock import FakeClock

SPEC = """version: 1
campaign: fake
avatars: {a: {id: "1"}, b: {id: "2"}}
scripts: {%s}
videos:
  - id: g
    avatars: [a, b]
    scripts: [%s]
    name: "{{ avatar }}-{{ script }}"
"""


class LosingTikTok(FakeTikTok):
    """Every other create takes effect or not, and its reply is lost either way."""

    def __init__(self, lock_path: Path) -> None:
        super().__init__(lock_path)
        self.creates = 0

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]:
        self.creates += 1
        if self.creates % 2 == 0:
            return super().create_avatar_videos(packages)
        if self.creates % 4 == 1:
            super().create_avatar_videos(packages)  # made, but the reply is lost
        else:
            self._call("create-refused", [p["package_id"] for p in packages])  # never made
        raise OutcomeUnknown("tiktok", "create", "HTTP 500", "lost")


def _applied(
    tmp_path: Path, scripts: int, fake_for: Callable[[Path], FakeTikTok], options: ExecuteOptions
) -> tuple[ApplyResult, FakeTikTok]:
    """Plan `scripts` scripts for both avatars and execute them against the fake `fake_for` builds."""
    names = [f"s{i}" for i in range(scripts)]
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC % (", ".join(f'{s}: {{text: "Say {s}."}}' for s in names), ", ".join(names)))
    planned = make_plan(spec)
    fake = fake_for(planned.lock_path)
    result = execute(
        planned.plan, planned.lock, planned.lock_path, Providers({"tiktok": fake}), options, clock=FakeClock()
    )
    return result, fake


def test_lost_creates_share_listings_per_avatar_and_nothing_is_paid_twice(tmp_path: Path) -> None:
    # 60 videos, 12 creates: 6 replies lost, 3 of those made
    result, fake = _applied(tmp_path, 30, LosingTikTok, ExecuteOptions(parallelism=4))
    # A create concluded "never happened" counts as an attempt: a job whose retry is lost again fails (max_retries 1)
    assert len(result.succeeded) + len(result.failed) == 60 and len(result.succeeded) >= 50
    assert all(result.lockfile.jobs[k].attempts == 2 for k in result.failed)
    made = [t["video_name"] for t in fake.tasks.values()]
    assert len(made) == len(set(made)) == len(result.succeeded)  # adopted or created again, never both
    listings = [c for c in fake.calls if c[0] == "list"]
    assert len(listings) <= 20, f"{len(listings)} listings for 30 lost jobs of 2 avatars"  # 147 when listed per job


def test_a_listing_waits_for_the_pages_of_the_one_before() -> None:
    lost = LostCreates(qps=10.0)  # listings may take 2 pages a second
    run = object.__new__(JobRun)
    lost.add("1", run)
    assert lost.wait("1", 0.0) == 0.0
    lost.sent("1", 0.0)
    assert lost.wait("1", 0.1) >= 1.0  # one listing of an avatar at a time
    lost.answered("1", 0.2, videos=450)  # 5 pages
    assert abs(lost.wait("2", 0.2) - (0.5 + 4 * 0.5 - 0.2)) < 1e-9  # its 4 further pages push the next out
    assert lost.of("1") == [run]
    lost.drop("1", run)
    assert lost.of("1") == []


class AnsweringTikTok(FakeTikTok):
    """The first creates are answered by a gateway error (HTTP `status`) and make nothing; then they work."""

    def __init__(self, lock_path: Path, status: int, failures: int) -> None:
        super().__init__(lock_path)
        self.status, self.failures = status, failures

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]:
        if self.failures:
            self.failures -= 1
            self._call("create-refused", [p["package_id"] for p in packages])
            raise OutcomeUnknown("tiktok", "create", f"HTTP {self.status}", "a gateway error", http_status=self.status)
        return super().create_avatar_videos(packages)


NO_RETRIES = ExecuteOptions(parallelism=2, max_retries=0)


def test_a_create_answered_by_a_gateway_error_that_made_nothing_is_not_an_attempt(tmp_path: Path) -> None:
    # 503 twice: each is looked for, not found, and sent again; with max_retries 0 an attempt would fail the jobs
    result, fake = _applied(tmp_path, 1, lambda lock: AnsweringTikTok(lock, 503, failures=2), NO_RETRIES)
    assert len(result.succeeded) == 2 and not result.failed
    assert all(record.attempts == 1 for record in result.lockfile.jobs.values())
    assert len(fake.tasks) == 2  # one paid video per job


def test_a_create_the_gateway_timed_out_on_that_is_not_found_is_an_attempt(tmp_path: Path) -> None:
    # a 504 says nothing of what happened behind the gateway (a render may have failed unseen): an attempt spent
    result, fake = _applied(tmp_path, 1, lambda lock: AnsweringTikTok(lock, 504, failures=1), NO_RETRIES)
    assert len(result.failed) == 2 and not fake.tasks
    assert all(result.lockfile.jobs[k].error.code == "CREATE_LOST" for k in result.failed)
