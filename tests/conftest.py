"""Shared fixtures: a real sandbox server on 127.0.0.1 per test (fast to start).

Also how the suite runs: in parallel by default (pytest-xdist), long tests first, a cache folder per run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

SandboxFactory = Callable[..., SandboxServer]

_OWN_CACHE = "_CAMPAIGN_TESTS_OWN_CACHE"

# Plain `python -m pytest` runs on this many xdist workers: 3 per CPU (most tests wait on sockets, subprocesses
# and the clock). Measured on 2 cores: 6 was fastest; 4 was slower, and 8 made timing-sensitive tests miss their
# limits when the machine was busy. `-n N` picks another count, `-n 0` or `-p no:xdist` runs in one process.
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 2
WORKERS = min(3 * _CPUS, 12)

# Rough serial seconds of the long test modules, to hand them to workers first, longest first, so that none
# of them starts late and forms the run's tail. A module not listed counts 0 s and keeps its place; a stale
# figure only costs some wall time. Figures from `--durations=0`, summed per module (the modules of 9 s or more).
LONG_MODULES = {
    "tests/commands/test_import.py": 97,
    "tests/state/test_postgres_backend.py": 91,
    "tests/apply/test_engine_edges.py": 73,
    "tests/apply/test_apply_acceptance.py": 70,
    "tests/docs/test_doc_commands.py": 65,
    "tests/test_packaging.py": 62,
    "tests/execute/test_twins.py": 60,
    "tests/apply/test_engine_edges_in_flight.py": 59,
    "tests/gitops/test_pre_commit_hook.py": 58,
    "tests/state/test_shared.py": 50,
    "tests/apply/test_crash_safety.py": 49,
    "tests/lock/test_state_commands.py": 35,
    "tests/team/test_shared_rate.py": 31,
    "tests/apply/test_gates.py": 29,
    "tests/providers/test_startup_checks.py": 28,
    "tests/commands/test_guarded_apply.py": 28,
    "tests/sandbox/tiktok/test_tiktok_contract.py": 25,
    "tests/report/test_gallery_browser.py": 25,
    "tests/execute/test_engine_faults.py": 24,
    "tests/test_cli.py": 22,
    "tests/state/test_paused_create.py": 22,
    "tests/gitops/test_workflows.py": 22,
    "tests/report/test_report_command.py": 21,
    "tests/sandbox/heygen_zego/test_heygen_emulator.py": 18,
    "tests/providers/test_acceptance.py": 18,
    "tests/commands/test_drift.py": 18,
    "tests/commands/test_apply_observed.py": 17,
    "tests/apply/test_batch_refusal.py": 17,
    "tests/execute/test_scan.py": 15,
    "tests/sandbox/test_bundled_campaigns.py": 13,
    "tests/sandbox/heygen_zego/test_heygen_video_schema.py": 13,
    "tests/commands/test_verify.py": 13,
    "tests/state/test_store.py": 12,
    "tests/commands/test_twins_shown.py": 12,
    "tests/campaignfile/test_fuzz.py": 15,  # 8 to 24 s: Hypothesis draws different examples per run
    "tests/sandbox/test_speed_and_faults.py": 11,
    "tests/gitops/test_plan_comment.py": 11,
    "tests/providers/test_edges_end_to_end.py": 10,
    "tests/commands/test_show_export.py": 10,
    "tests/test_environment.py": 9,
    "tests/sandbox/tiktok/test_tiktok_chain_and_cli.py": 9,
    "tests/execute/test_scheduler.py": 9,
    "tests/execute/test_consent_notice.py": 9,
    "tests/commands/test_policy.py": 9,
    "tests/apply/test_source_fetch_retry.py": 9,
}


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Distribute over WORKERS workers, a module per worker at a time, unless told otherwise.

    `--dist loadscope`: a module's tests run on one worker, so module-scoped fixtures (a PostgreSQL cluster, a
    Chromium, a gallery made with ffmpeg) are built once; modules go out in LONG_MODULES order, not by size.
    (`loadgroup` would split modules further, but pytest 9.2 silently drops its groups: pytest-xdist #1386.)
    """
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput") or config.option.usepdb:
        return
    if config.option.numprocesses is None:
        config.option.numprocesses = WORKERS
    if config.option.numprocesses and config.option.dist == "no" and not config.option.tx:
        config.option.dist = "loadscope"
        config.option.loadscopereorder = False


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long modules first, longest first; everything else after them, in the usual order."""
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(item.nodeid.split("::", 1)[0], index)

    def key(item: pytest.Item) -> tuple[float, int]:
        module = item.nodeid.split("::", 1)[0]
        return -LONG_MODULES.get(module, 0), first_seen[module]

    items.sort(key=key)


def pytest_configure(config: pytest.Config) -> None:
    """Give this run a cache folder of its own (the sandbox's videos), shared by its xdist workers only.

    Set before any test module is imported (some copy os.environ at import) and inherited by the workers
    and by every CLI subprocess: runs never see a cache warmed by another run, nor touch ~/.cache.
    """
    if hasattr(config, "workerinput"):
        return  # an xdist worker: keeps the controller's folder
    # pip's own cache is safe to share and CI's install has just filled it: the wheel test keeps using it
    os.environ.setdefault(
        "PIP_CACHE_DIR", os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pip")
    )
    folder = tempfile.mkdtemp(prefix="campaign-tests-cache-")
    os.environ["XDG_CACHE_HOME"] = os.environ[_OWN_CACHE] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and os.environ.get(_OWN_CACHE):
        shutil.rmtree(os.environ.pop(_OWN_CACHE), ignore_errors=True)


@pytest.fixture
def sandbox_factory() -> Iterator[SandboxFactory]:
    """Start sandboxes with given knobs; all are stopped after the test."""
    started: list[SandboxServer] = []

    def start(**knobs: Any) -> SandboxServer:
        knobs.setdefault("speed", 0.01)
        knobs.setdefault("seed", 1)
        clock = knobs.pop("clock", None)
        server = SandboxServer(SandboxConfig(**knobs), clock=clock).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory) -> SandboxServer:
    """A sandbox with no faults, its tasks done in 1 % of the documented times."""
    return sandbox_factory()
