"""HeyGen renders end to end over real HTTP against the bundled emulator, on one fake clock shared with it.

Each render is made exactly once: a create that may have reached HeyGen is sent again under its key
while the 24-hour key window surely lasts, and looked up by its title after it; a failed render is
rendered again under a new key, within `apply.max_retries`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from runner.campaignfile.load import load_spec
from runner.cli import cli
from runner.execute.engine import ApplyResult, EngineStopped, ExecuteOptions, Providers, execute
from runner.lock import lockfile
from runner.lock.lockfile import Lockfile
from runner.plan.make import plan_for
from runner.providers.budget import TransientBudget, TransientLimits
from runner.providers.config import settings_from_env
from runner.providers.heygen import HeyGenClient
from runner.sandbox.server import SandboxServer
from runner.vocabulary.names import attempt_key, name_tag
from tests.fake_clock import FakeClock

DAY = 24 * 3600.0
CREATE = "heygen POST /v3/videos"
LIST = "heygen GET /v3/videos"


def campaign(videos: int, max_retries: int = 1) -> str:
    """A HeyGen campaign of `videos` renders of one look."""
    scripts = "\n".join(f'  s{i}: {{text: "Line number {i} of the campaign."}}' for i in range(videos))
    return (
        f"version: 1\ncampaign: hg\nprovider: heygen\napply: {{max_retries: {max_retries}}}\n"
        f'avatars:\n  m: {{id: "look_0001_1"}}\nscripts:\n{scripts}\n'
        f"videos:\n  - id: v\n    avatars: [m]\n    scripts: [{', '.join(f's{i}' for i in range(videos))}]\n"
        '    voice: en-US-1\n    name: "{{ script }}-clip"\n'
    )


@dataclass
class Account:
    """One HeyGen account in the emulator, the campaign's spec, and the clock both sides read."""

    clock: FakeClock
    sandbox: SandboxServer
    spec: Path
    start: Callable[..., SandboxServer]

    @property
    def lock_path(self) -> Path:
        """The spec's lockfile."""
        return self.spec.with_name("hg.lock.yaml")

    def lock(self) -> Lockfile:
        """The lockfile as on disk."""
        return lockfile.read(self.lock_path, "hg")

    def client(self, budget: TransientBudget | None = None) -> HeyGenClient:
        """A client of the account on the shared clock."""
        return HeyGenClient(settings_from_env(self.sandbox.env()), clock=self.clock, budget=budget)

    def apply(self, attempts: int = 50) -> ApplyResult | EngineStopped:
        """Plan from the lockfile and run the engine, as `campaign apply` does after its confirmation."""
        spec = load_spec(self.spec)
        lock = self.lock()
        plan = plan_for(spec, lock, self.lock_path).plan
        budget = TransientBudget(self.clock, TransientLimits(attempts=attempts))
        client = self.client(budget)
        options = ExecuteOptions(downloads=False, transient_attempts=attempts, stop_grace_seconds=0.5)
        try:
            return execute(plan, lock, self.lock_path, Providers({"heygen": client}, budget), options, clock=self.clock)
        except EngineStopped as stopped:
            return stopped
        finally:
            client.close()

    def renders(self) -> list[Any]:
        """Every render of the account that carries a tag in its title."""
        with self.client() as client:
            assert isinstance(client, HeyGenClient)
            return client.find_renders("~")

    def restart(self, **knobs: Any) -> None:
        """The same account (its saved state), served afresh with other knobs (and another seed: new ids)."""
        config = self.sandbox.config
        self.sandbox.stop()
        seed = (config.seed or 0) + 1000
        self.sandbox = self.start(clock=self.clock, state_file=config.state_file, seed=seed, **knobs)


@pytest.fixture
def heygen(sandbox_factory: Any, tmp_path: Path) -> Callable[..., Account]:
    """An account with the given emulator knobs and a campaign of `videos` renders."""

    def make(videos: int = 6, max_retries: int = 1, **knobs: Any) -> Account:
        clock = FakeClock(start=time.time())
        state_file = tmp_path / "account.json"
        sandbox = sandbox_factory(clock=clock, state_file=state_file, **knobs)
        spec = tmp_path / "hg.yaml"
        spec.write_text(campaign(videos, max_retries))
        return Account(clock, sandbox, spec, sandbox_factory)

    return make


def succeeded(result: ApplyResult | EngineStopped, count: int) -> ApplyResult:
    """The run finished with `count` jobs succeeded."""
    assert isinstance(result, ApplyResult), result
    assert len(result.succeeded) == count and not result.failed, result
    return result


def test_six_renders_are_made_once_without_a_refusal_and_a_second_apply_creates_nothing(
    heygen: Callable[..., Account],
) -> None:
    account = heygen()
    started = account.clock.time()
    result = succeeded(account.apply(), 6)
    stats = account.sandbox.stats()
    assert result.videos_created == stats["heygen_videos_created"] == 6
    assert stats["rate_limited_total"] == 0 and stats["heygen_concurrency_refusals"] == 0
    assert account.clock.time() - started < 10  # renders of about a second are found soon, not 90 s apart
    jobs = account.lock().jobs
    for key, record in jobs.items():  # the first attempt: the job key as Idempotency-Key, the tag in the title
        assert (
            record.idempotency_key == attempt_key(key, 1, "hg")
            and record.video_name == f"{record.name}~{name_tag(key, 'hg')}"
        )
    assert sorted(r.title for r in account.renders()) == sorted(str(r.video_name) for r in jobs.values())

    again = succeeded(account.apply(), 0)
    assert again.videos_created == 0 and account.sandbox.stats()["requests"][CREATE] == 6


def test_thirty_percent_transient_faults_converge_without_a_duplicate(heygen: Callable[..., Account]) -> None:
    account = heygen(fault_rate=0.3, seed=4)
    for _ in range(5):
        account.apply()
        if all(r.state == "succeeded" for r in account.lock().jobs.values()) and len(account.lock().jobs) == 6:
            break
    assert len(account.lock().jobs) == 6 and all(r.state == "succeeded" for r in account.lock().jobs.values())
    stats = account.sandbox.stats()
    assert stats["faults"] > 0 and stats["heygen_videos_created"] == len(account.renders()) == 6


def test_a_gateway_error_after_the_render_started_is_answered_by_the_replay_of_its_key(
    heygen: Callable[..., Account],
) -> None:
    account = heygen(gateway_timeout_rate=1.0)
    succeeded(account.apply(), 6)
    stats = account.sandbox.stats()
    assert stats["gateway_timeouts"] == 6 and stats["heygen_videos_created"] == len(account.renders()) == 6


@pytest.mark.parametrize("later", [0.0, DAY + 3600.0], ids=["within-the-key-window", "after-the-key-window"])
def test_lost_create_replies_are_adopted_without_a_duplicate(heygen: Callable[..., Account], later: float) -> None:
    account = heygen(lost_reply_rate=1.0)
    stopped = account.apply(attempts=1)  # the first lost reply spends the run's transient budget
    assert isinstance(stopped, EngineStopped)
    pending = account.lock().jobs
    assert pending and all(r.state == "pending" and r.idempotency_key for r in pending.values())
    made = account.sandbox.stats()["heygen_videos_created"]
    assert made >= 1

    account.restart()
    account.clock.advance(later)
    succeeded(account.apply(), 6)
    stats = account.sandbox.stats()
    assert len(account.renders()) == 6  # 0 duplicates
    assert stats["heygen_videos_created"] == 6 - made  # only those never sent were made now
    if later:  # the keys may have expired: each render was looked up by its title before anything was sent
        assert stats["requests"][LIST] >= len(pending)
    else:  # the same keys replayed the first replies
        assert LIST not in stats["requests"]


def test_a_failed_render_is_rendered_again_under_a_new_key_and_its_reason_is_shown(
    heygen: Callable[..., Account],
) -> None:
    account = heygen(videos=2, task_failure_rate=1.0)
    failed = account.apply()
    assert isinstance(failed, ApplyResult) and len(failed.failed) == 2
    for record in account.lock().jobs.values():
        assert record.error is not None and record.error.code == "RENDER_FAILED"
        assert "could not be rendered (rendering_failed)" in record.error.message  # failure_message (failure_code)
    runner = CliRunner()
    plan = runner.invoke(cli, ["plan", str(account.spec)])
    assert plan.exit_code == 0 and plan.stdout.count("retry of a failed job: failed 1 time (RENDER_FAILED: ") == 2
    status = runner.invoke(cli, ["status", str(account.spec)])
    assert status.exit_code == 1 and status.stdout.count("rendering_failed") == 2
    gallery = account.spec.parent / "gallery"
    assert runner.invoke(cli, ["report", str(account.spec), "--out", str(gallery)]).exit_code == 0
    assert "could not be rendered (rendering_failed)" in (gallery / "index.html").read_text()

    account.restart()
    succeeded(account.apply(), 2)
    jobs = account.lock().jobs
    for key, record in jobs.items():
        assert record.attempts == 2 and record.idempotency_key == attempt_key(key, 2, "hg")
        assert str(record.video_name).endswith(f"~{name_tag(key, 'hg')}:2")
    assert account.sandbox.stats()["heygen_videos_created"] == 2 and len(account.renders()) == 4

    third = runner.invoke(cli, ["plan", str(account.spec), "--detailed-exitcode"])
    assert third.exit_code == 0, third.stdout


def test_a_failed_render_is_not_rendered_again_beyond_max_retries(heygen: Callable[..., Account]) -> None:
    account = heygen(videos=1, max_retries=0, task_failure_rate=1.0)
    account.apply()
    plan = CliRunner().invoke(cli, ["plan", str(account.spec), "--detailed-exitcode"])
    assert plan.exit_code == 1 and "raise apply.max_retries above 0" in plan.stdout + plan.stderr
    account.restart()
    account.apply()
    assert account.sandbox.stats().get("requests", {}).get(CREATE) is None


def test_a_render_cap_below_the_engines_is_waited_out_by_retry_after(heygen: Callable[..., Account]) -> None:
    account = heygen(heygen_max_concurrent=2)
    succeeded(account.apply(), 6)
    stats = account.sandbox.stats()
    assert stats["heygen_concurrency_refusals"] > 0  # HeyGen said 429 with Retry-After: waited, sent again
    assert stats["heygen_videos_created"] == len(account.renders()) == 6


def test_a_create_that_never_reached_heygen_is_rolled_back_not_called_lost(heygen: Callable[..., Account]) -> None:
    account = heygen(videos=3)
    account.sandbox.stop()  # connection refused: no create can leave the machine
    stopped = account.apply(attempts=3)
    assert isinstance(stopped, EngineStopped) and "gave up after" in str(stopped.cause)
    assert not [r for r in account.lock().jobs.values() if r.state == "pending"]  # none "may exist"
    plan = CliRunner().invoke(cli, ["plan", str(account.spec)])
    assert "reply lost" not in plan.stdout and "Plan: 3 to create" in plan.stdout, plan.stdout
