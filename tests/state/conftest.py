"""A throwaway PostgreSQL cluster for the session (initdb + pg_ctl as the `postgres` user), a database per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user when we are root."""
    if os.geteuid() != 0:
        return args
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
    return [runuser, "-u", "postgres", "--", *args]


@contextmanager
def private_cluster() -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    """A cluster of its own: (URL of its `postgres` database, a function that stops it at once, one that starts it)."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="campaign-pg-"))
    folder.chmod(0o777)
    data = folder / "data"
    subprocess.run(
        _as_postgres([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )

    def launch(port: int) -> bool:
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        started = subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]),
            capture_output=True,
        )
        return started.returncode == 0

    for attempt in range(5):  # a port found free can be taken by a test running in parallel before PostgreSQL binds it
        port = _free_port()
        if launch(port):
            break
        if attempt == 4:
            raise RuntimeError(f"PostgreSQL did not start: {(folder / 'log').read_text()[-2000:]}")

    def stop() -> None:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)

    def start() -> None:  # again, on the same port (held by nobody else meanwhile, as a rule)
        if not launch(port):
            raise RuntimeError(f"PostgreSQL did not start again: {(folder / 'log').read_text()[-2000:]}")

    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", stop, start
    finally:
        stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The base URL of a running cluster for the session (trust authentication on 127.0.0.1 only)."""
    with private_cluster() as (url, _stop, _start):
        yield url.rsplit("/", 1)[0]


@pytest.fixture
def state_url(postgres_server: str) -> str:
    """A fresh database of its own for one test."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_server + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"


@pytest.fixture
def own_cluster() -> Callable[[], Any]:
    """`with own_cluster() as (url, stop, start)`: a cluster a test may stop and start (conftest modules cannot be imported)."""
    return private_cluster
