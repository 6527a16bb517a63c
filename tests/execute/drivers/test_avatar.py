"""Avatar-video creates whose batch the provider refuses: the refusal lands on the package it names, never on the others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.execute.engine import ExecuteOptions, Providers, execute
from runner.plan.make import make_plan
from runner.providers.errors import PackageRefused
from runner.providers.models import CreatedTask
from tests.execute.test_engine import FakeTikTok
from tests.fake_clock import FakeClock

SPEC = """version: 1
campaign: fake
avatars: {a: {id: "1"}, b: {id: "BAD"}, c: {id: "3"}}
scripts: {s: {text: "Hello {{ n }}."}}
videos:
  - id: g
    avatars: [a, b, c]
    scripts: [s]
    matrix: {n: [1, 2, 3]}
"""


class RefusingTikTok(FakeTikTok):
    """Refuses a whole create that carries an unknown avatar, naming its package (or not)."""

    def __init__(self, lock_path: Path, *, names_package: bool) -> None:
        super().__init__(lock_path)
        self.names_package = names_package

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]:
        bad = next((i for i, p in enumerate(packages) if p["avatar_id"] == "BAD"), None)
        if bad is None:
            return super().create_avatar_videos(packages)
        self._call("refused", [p["package_id"] for p in packages])
        words = "avatar_id: no available digital avatar with id BAD"
        raise PackageRefused("tiktok", "create", "40002", words, package=bad if self.names_package else None)


def _apply(tmp_path: Path, names_package: bool) -> tuple[RefusingTikTok, Any]:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC)
    planned = make_plan(spec)
    fake = RefusingTikTok(planned.lock_path, names_package=names_package)
    result = execute(
        planned.plan,
        planned.lock,
        planned.lock_path,
        Providers({"tiktok": fake}),
        ExecuteOptions(parallelism=1),
        clock=FakeClock(),
    )
    return fake, result


@pytest.mark.parametrize("names_package", [True, False])
def test_only_the_refused_package_fails_and_the_others_are_made(tmp_path: Path, names_package: bool) -> None:
    fake, result = _apply(tmp_path, names_package)
    records = result.lockfile.jobs
    failed = {k for k, r in records.items() if r.state == "failed"}
    assert len(failed) == 3 and set(result.failed) == failed
    assert all(records[k].error is not None and records[k].error.code == "40002" for k in failed)
    assert all(records[k].attempts == 0 for k in failed)  # a refusal is not an attempt: nothing was made
    made = [k for k, r in records.items() if r.state == "succeeded"]
    assert len(made) == 6 and len(result.succeeded) == 6
    created = [key for name, keys, _ in fake.calls if name == "create" for key in keys]
    assert sorted(created) == sorted(made)  # each valid package created exactly once
    assert not failed & set(created)


def test_a_refusal_naming_no_package_sends_each_job_alone(tmp_path: Path) -> None:
    fake, _ = _apply(tmp_path, names_package=False)
    refused = [keys for name, keys, _ in fake.calls if name == "refused"]
    alone = [keys[0] for keys in refused if len(keys) == 1]
    assert len(alone) == len(set(alone)) == 3  # each bad job was refused on its own, once
    assert {key for keys in refused for key in keys} - set(alone) <= {
        key for name, keys, _ in fake.calls if name == "create" for key in keys
    }  # a valid job refused with a batch was made afterwards


class ErrorMsgTikTok(FakeTikTok):
    """Reports the bad avatar's package in its own item, with an `error_msg` naming its position."""

    def create_avatar_videos(self, packages: list[dict[str, str]]) -> list[CreatedTask]:
        good = [p for p in packages if p["avatar_id"] != "BAD"]
        made = {t.package_id: t for t in super().create_avatar_videos(good)} if good else {}
        return [
            made.get(p["package_id"])
            or CreatedTask(None, p["package_id"], f"material_packages[{i}].avatar_id: no available avatar BAD")
            for i, p in enumerate(packages)
        ]


def test_a_package_refused_in_its_own_item_fails_alone_and_stays_failed_until_the_spec_changes(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC)
    planned = make_plan(spec)
    fake = ErrorMsgTikTok(planned.lock_path)
    clock = FakeClock()
    result = execute(
        planned.plan, planned.lock, planned.lock_path, Providers({"tiktok": fake}), ExecuteOptions(), clock=clock
    )
    failed = [result.lockfile.jobs[k] for k in result.failed]
    assert len(failed) == 3 and len(result.succeeded) == 6
    assert all(r.error is not None and r.error.message == "avatar_id: no available avatar BAD" for r in failed)
    again = make_plan(spec).plan  # its own refusal: not sent again until the spec changes it
    assert again.counts["create"] == 0 and sum("refused by the provider" in w for w in again.warnings) == 3
