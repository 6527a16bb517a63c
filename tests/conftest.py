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
# figure only costs some wall time. `--durations=30` shows the candidates.
LONG_MODULES = {
    "tests/state/test_postgres_backend.py": 80,
    "tests/apply/test_crash_safety.py": 50,
    "tests/apply/test_engine_edges.py": 50,
    "tests/apply/test_apply_acceptance.py": 45,
    "tests/lock/test_state_commands.py": 40,
    "tests/execute/test_twins.py": 40,
    "tests/providers/test_startup_checks.py": 40,
    "tests/docs/test_doc_commands.py": 35,
    "tests/campaignfile/test_sizes.py": 35,
    "tests/test_packaging.py": 30,
    "tests/gitops/test_pre_commit_hook.py": 30,
    "tests/apply/test_engine_edges_in_flight.py": 30,
    "tests/commands/test_import.py": 30,
    "tests/report/test_gallery_browser.py": 25,
    "tests/team/test_shared_rate.py": 25,
    "tests/sandbox/tiktok/test_tiktok_contract.py": 25,
    "tests/report/test_report_command.py": 18,
    "tests/commands/test_guarded_apply.py": 18,
    "tests/campaignfile/test_fuzz.py": 15,
    "tests/gitops/test_workflows.py": 15,
    "tests/test_cli.py": 15,
    "tests/sandbox/heygen_zego/test_heygen_emulator.py": 15,
    "tests/providers/test_acceptance.py": 13,
    "tests/providers/test_edges_end_to_end.py": 12,
    "tests/sandbox/test_bundled_campaigns.py": 12,
    "tests/sandbox/test_speed_and_faults.py": 11,
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
