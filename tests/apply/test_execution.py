"""The execute step's request count: what the clients sent before the engine, counted once, also when it stops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.apply import execution, steps
from runner.apply.context import ApplyRequest, load
from runner.execute.engine import EngineStopped
from runner.execute.ports import ApplyResult
from runner.lock.records import Lockfile
from runner.providers.factory import factory_from_env
from runner.state.store import state_store
from runner.vocabulary.providers import TIKTOK

SPEC = """version: 1
campaign: counted
avatars:
  a0: {id: "7295705233773068290"}
scripts:
  s0: {text: "Counted words."}
videos:
  - id: promo
    avatars: [a0]
    scripts: [s0]
apply: {download: false}
"""


def test_a_stopped_run_counts_what_was_sent_before_it(
    tmp_path: Path, sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "counted.yaml"
    spec.write_text(SPEC)
    ctx = load(ApplyRequest(spec, yes=True))
    lock = Lockfile(campaign="counted")
    plan = steps.propose(ctx, lock).plan

    def stop(*args: Any, **kwargs: Any) -> ApplyResult:
        raise EngineStopped(ApplyResult(lock, (), (), (), 0, requests=2), None)  # interrupted after 2 requests

    monkeypatch.setattr(execution, "execute", stop)
    with factory_from_env(sandbox.env()) as factory, state_store(ctx.workspace, ctx.spec) as store:
        factory.catalog(TIKTOK).list_avatars()  # a name look-up, before the engine
        outcome = execution.run_engine(ctx, store, plan, lock, factory)
        assert isinstance(outcome, EngineStopped) and outcome.result.requests == 2 + 1
        again = execution.run_engine(ctx, store, plan, lock, factory, reported=factory.request_count())
        assert isinstance(again, EngineStopped) and again.result.requests == 2 + 0
