"""Worlds, the sandbox's own lockfile, the one-pass apply, saved plans, status, clean and environment errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import pytest

from runner.apply.orchestrate import ApplyRequest, run_apply
from runner.errors import CampaignError
from runner.lock import lockfile
from runner.lock.records import Artifact, JobRecord, Lockfile
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

PROJECT_DIR = Path(__file__).resolve().parents[2]

SPEC = """version: 1
campaign: worlds
avatars:
  isabelle: {AVATAR}
scripts:
  hello: {text: "Hello from the sandbox."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [hello]
apply: {download: false}
"""
BY_ID = SPEC.replace("{AVATAR}", '{id: "7295705233773068290"}')
BY_NAME = SPEC.replace("{AVATAR}", '{name: "Isabelle in light green top"}')
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "HEYGEN_", "ZEGO_", "CAMPAIGN_"))}


@pytest.fixture
def sandbox() -> Any:
    """A fresh account per test, standing in for production (one shared account would adopt earlier tests' videos)."""
    with SandboxServer(SandboxConfig(speed=0.01, seed=3)) as server:
        yield server


def campaign(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args],
        env={**CLEAN_ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
    )


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_sandbox_state_is_its_own_lockfile_and_a_real_apply_after_it_creates(tmp_path: Path, sandbox: Any) -> None:
    spec = write(tmp_path, BY_ID)
    first = campaign("apply", str(spec), "--sandbox", "--yes")
    assert first.returncode == 0, first.stderr
    assert not (tmp_path / "c.lock.yaml").exists()
    sandboxed = lockfile.read(tmp_path / "c.sandbox.lock.yaml", "worlds")
    assert (
        sandboxed.world is not None
        and sandboxed.world.sandbox
        and [r.state for r in sandboxed.jobs.values()] == ["succeeded"]
    )
    assert sandboxed.serial >= 2 and sandboxed.lineage
    planned = campaign("plan", str(spec), "--sandbox", "--detailed-exitcode")
    assert planned.returncode == 0 and "No changes" in planned.stdout
    real_plan = campaign("plan", str(spec), "--detailed-exitcode")
    assert real_plan.returncode == 2  # the real world has nothing yet
    assert "only the sandbox's c.sandbox.lock.yaml; pass --sandbox" in real_plan.stderr
    shown = campaign("status", str(spec), "--sandbox")
    assert shown.returncode == 0 and "1 succeeded" in shown.stdout and "the bundled sandbox" in shown.stdout
    created = sandbox.stats()["avatar_videos_created"]
    sandbox_state = (tmp_path / "c.sandbox.lock.yaml").read_bytes()
    real = campaign("apply", str(spec), "--yes", env=sandbox.env())  # "production": a second, separate server
    assert real.returncode == 0, real.stderr
    assert "No changes" not in real.stdout + real.stderr
    assert (tmp_path / "c.sandbox.lock.yaml").read_bytes() == sandbox_state  # the sandbox's state is untouched
    assert sandbox.stats()["avatar_videos_created"] == created + 1
    world = lockfile.read(tmp_path / "c.lock.yaml", "worlds").world
    assert world is not None and not world.sandbox and world.providers["tiktok"].host.startswith("127.0.0.1:")


def test_apply_against_another_world_is_refused_before_any_request(tmp_path: Path, sandbox: Any) -> None:
    spec = write(tmp_path, BY_ID)
    assert campaign("apply", str(spec), "--yes", env=sandbox.env()).returncode == 0
    lock_path = tmp_path / "c.lock.yaml"
    lock = lockfile.read(lock_path, "worlds")
    before, requests = lock_path.read_bytes(), sandbox.stats()["requests_total"]
    spec.write_text(BY_ID.replace("Hello from", "Hello again from"))  # work to do, in another account
    moved = campaign("apply", str(spec), "--yes", env={**sandbox.env(), "TIKTOK_ADVERTISER_ID": "7777"})
    assert moved.returncode == 1 and "Traceback" not in moved.stderr
    assert "describes another world" in moved.stderr and "advertiser 7777" in moved.stderr and "--lock" in moved.stderr
    assert lock_path.read_bytes() == before and sandbox.stats()["requests_total"] == requests
    assert lock.world is not None
    in_sandbox = campaign("apply", str(spec), "--yes", "--sandbox", "--lock", str(lock_path))
    assert in_sandbox.returncode == 1 and "written outside the sandbox, this run is in it" in in_sandbox.stderr


def test_a_saved_plan_with_avatar_names_applies_and_a_cancelled_apply_writes_nothing(
    tmp_path: Path, sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write(tmp_path, BY_NAME)
    lock_path = tmp_path / "c.lock.yaml"
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    terminal = types.SimpleNamespace(isatty=lambda: True)
    import runner.apply.context as context
    import runner.apply.steps as steps

    monkeypatch.setattr(context, "sys", types.SimpleNamespace(stdin=terminal, stdout=terminal))
    monkeypatch.setattr(steps, "sys", types.SimpleNamespace(stdin=terminal, stdout=terminal))
    monkeypatch.setattr(steps.click, "confirm", lambda *a, **k: False)
    with pytest.raises(CampaignError, match="apply cancelled"):
        run_apply(ApplyRequest(spec, accept_notices=True))
    assert not lock_path.exists()  # the names were resolved, but nothing is recorded before the confirmation
    monkeypatch.undo()
    saved = tmp_path / "p.plan"
    made = campaign("plan", str(spec), "--out", str(saved))
    assert made.returncode == 0 and "(id known after apply)" in made.stdout
    applied = campaign("apply", str(spec), "--plan", str(saved), "--accept-notices", env=sandbox.env())
    assert applied.returncode == 0, applied.stderr
    lock = lockfile.read(lock_path, "worlds")
    assert lock.resolved_avatars == {"tiktok": {"Isabelle in light green top": "7295705233773068290"}}
    assert [r.state for r in lock.jobs.values()] == ["succeeded"]


def test_a_plan_of_another_spec_says_so_and_yes_is_checked_after_the_spec(tmp_path: Path) -> None:
    other = write(tmp_path, BY_ID.replace("campaign: worlds", "campaign: other"), "other.yaml")
    spec = write(tmp_path, BY_ID)
    saved = tmp_path / "p.plan"
    assert campaign("plan", str(other), "--out", str(saved)).returncode == 0
    refused = campaign("apply", str(spec), "--plan", str(saved))
    assert refused.returncode == 1 and f"the plan {saved} is for {other.as_posix()}, not {spec}" in refused.stderr
    broken = write(tmp_path, BY_ID.replace("scripts: [hello]", "scripts: [helo]"), "broken.yaml")
    invalid = campaign("apply", str(broken))
    assert invalid.returncode == 1 and "'helo'" in invalid.stderr and "--yes" not in invalid.stderr


@pytest.fixture
def open_tmp() -> Any:
    """A folder every user can read (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="campaign-state-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_plan_out_refuses_a_missing_folder_and_an_unwritable_one(open_tmp: Path) -> None:
    spec = write(open_tmp, BY_ID)
    spec.chmod(0o644)
    missing = campaign("plan", str(spec), "--out", str(open_tmp / "nonexistent" / "dir" / "x.plan"))
    assert missing.returncode == 1 and f"there is no folder {open_tmp / 'nonexistent' / 'dir'}" in missing.stderr
    assert not (open_tmp / "nonexistent").exists() and "to create" not in missing.stdout
    locked = open_tmp / "ro"
    locked.mkdir()
    locked.chmod(0o555)
    result = as_nobody("plan", str(spec), "--out", str(locked / "x.plan"))
    assert result.returncode == 1, result.stderr
    assert f"cannot write {locked / 'x.plan'}: Permission denied" in result.stderr and "Traceback" not in result.stderr


def as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI as an unprivileged user (tests run as root, whom permissions do not stop)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to drop privileges")
    for folder in (PROJECT_DIR, *PROJECT_DIR.parents):
        if folder.stat().st_mode & 0o005 != 0o005:
            pytest.skip(f"{folder} is not readable by others")
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "runner", *args]
    return subprocess.run(
        command,
        env={**CLEAN_ENV, "HOME": "/tmp", "PYTHONPATH": str(PROJECT_DIR)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/tmp",
    )


def test_apply_in_a_read_only_folder_is_one_message(open_tmp: Path) -> None:
    folder = open_tmp / "ro"
    folder.mkdir()
    spec = write(folder, BY_ID)
    spec.chmod(0o644)
    folder.chmod(0o555)
    result = as_nobody("apply", str(spec), "--yes", "--sandbox")
    assert result.returncode == 1, result.stderr
    assert "cannot lock the state of" in result.stderr and "must be writable" in result.stderr
    assert "internal error" not in result.stderr


def test_status_reads_the_lockfile_while_the_spec_is_invalid_and_lists_orphans_that_clean_removes(
    tmp_path: Path,
) -> None:
    spec = write(tmp_path, BY_ID)
    none_yet = campaign("status", str(spec))
    assert none_yet.returncode == 0 and "no lockfile yet at" in none_yet.stdout and "campaign apply" in none_yet.stdout
    folder = tmp_path / "artifacts" / "c"  # the file's own folder (c.yaml)
    folder.mkdir(parents=True)
    kept = folder / "av-00000000000000aa-v1.mp4"
    orphan = folder / "av-00000000000000bb-v0.mp4"
    interrupted = folder / ".av-00000000000000cc-v2.mp4.x1y2.tmp"
    other = folder / "notes.txt"
    for path in (kept, orphan, interrupted, other):
        path.write_bytes(b"video")
    record = JobRecord(
        "avatar_video",
        "tiktok",
        "succeeded",
        ("videos.promo[avatar=isabelle,script=hello]",),
        video_ids=("v1",),
        artifacts=(Artifact("v1", "artifacts/c/av-00000000000000aa-v1.mp4", "0" * 64, 5),),
    )
    lockfile.write(tmp_path / "c.lock.yaml", Lockfile(campaign="worlds", jobs={"av-00000000000000aa": record}))
    spec.write_text(BY_ID.replace("scripts: [hello]", "scripts: [helo]"))
    shown = campaign("status", str(spec), "--format", "json")
    assert shown.returncode == 1, shown.stderr  # the lockfile is shown, and the invalid spec still fails the run
    assert "is invalid (1 problem; run `campaign validate" in shown.stderr
    assert "'helo' is not a defined script" in shown.stderr
    data = json.loads(shown.stdout)
    assert data["counts"]["succeeded"] == 1
    assert data["orphans"] == [interrupted.as_posix(), orphan.as_posix()]
    spec.write_text(BY_ID)
    dry = campaign("clean", str(spec))
    assert dry.returncode == 0 and f"would remove {orphan.as_posix()}" in dry.stdout and orphan.exists()
    done = campaign("clean", str(spec), "--yes")
    assert done.returncode == 0 and "2 orphan artifacts removed" in done.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["av-00000000000000aa-v1.mp4", "notes.txt"]
    assert "orphan" not in campaign("status", str(spec)).stdout


def _downloaded(tmp_path: Path, folder: str, key: str, video_id: str) -> tuple[Path, JobRecord]:
    path = tmp_path / folder / f"{key}-{video_id}.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"video")
    artifact = Artifact(video_id, f"{folder}/{path.name}", "0" * 64, 5)
    record = JobRecord(
        "avatar_video", "tiktok", "succeeded", ("videos.promo",), video_ids=(video_id,), artifacts=(artifact,)
    )
    return path, record


def test_two_files_with_one_campaign_name_keep_their_own_downloads_and_gallery(tmp_path: Path) -> None:
    a, b = write(tmp_path, BY_ID, "a.yaml"), write(tmp_path, BY_ID, "b.yaml")
    validated = campaign("validate", str(a), str(b))
    assert validated.returncode == 0, validated.stderr
    assert f"Warning: {a}: campaign 'worlds' is also the `campaign:` of {b}" in validated.stderr
    assert f"Warning: {b}: campaign 'worlds' is also the `campaign:` of {a}" in validated.stderr
    # a's video downloaded by an older release into the folder both files shared (artifacts/<campaign>)
    a_old, a_old_record = _downloaded(tmp_path, "artifacts/worlds", "av-00000000000000a1", "v1")
    b_new, b_record = _downloaded(tmp_path, "artifacts/b", "av-00000000000000b1", "v2")
    a_orphan, _ = _downloaded(tmp_path, "artifacts/a", "av-00000000000000a9", "v9")
    lockfile.write(tmp_path / "a.lock.yaml", Lockfile("worlds", {"av-00000000000000a1": a_old_record}))
    lockfile.write(tmp_path / "b.lock.yaml", Lockfile("worlds", {"av-00000000000000b1": b_record}))
    cleaned = campaign("clean", str(b), "--yes")
    assert cleaned.returncode == 0 and "No orphan artifacts." in cleaned.stdout, cleaned.stdout
    cleaned = campaign("clean", str(a), "--yes")
    assert cleaned.returncode == 0 and "1 orphan artifact removed" in cleaned.stdout, cleaned.stdout
    assert a_old.exists() and b_new.exists() and not a_orphan.exists()
    for spec in (a, b):
        report = campaign("report", str(spec))
        assert report.returncode == 0, report.stderr
    assert "v1" in (tmp_path / "artifacts/a/index.html").read_text()  # each file its own gallery
    assert "v2" in (tmp_path / "artifacts/b/index.html").read_text()
    assert "v1" not in (tmp_path / "artifacts/b/index.html").read_text()
    assert not (tmp_path / "artifacts/worlds/index.html").exists()


def test_a_full_disk_during_apply_is_one_message_and_nothing_is_sent(
    tmp_path: Path, sandbox: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import contextlib
    import errno

    import runner.lock.lockfile as lockfile_module
    from runner import atomic
    from runner.cli import main

    real = atomic.atomic_file

    @contextlib.contextmanager
    def full_disk(path: Path, *args: Any, **kwargs: Any) -> Any:
        with real(path, *args, **kwargs) as out:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            yield out

    spec = write(tmp_path, BY_ID.replace("Hello from", "Disk full from"))
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(lockfile_module, "atomic_file", full_disk)
    monkeypatch.setattr(sys, "argv", ["campaign", "apply", str(spec), "--yes", "--accept-notices"])
    created = sandbox.stats()["avatar_videos_created"]
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"cannot write {tmp_path / 'c.lock.yaml'}: No space left on device" in err and "internal error" not in err
    assert not (tmp_path / "c.lock.yaml").exists() and sandbox.stats()["avatar_videos_created"] == created


@pytest.mark.parametrize("damage", ["random", "truncated"])
def test_a_damaged_lockfile_is_one_message_in_every_command(tmp_path: Path, damage: str) -> None:
    spec = write(tmp_path, BY_ID)
    lock_path = tmp_path / "c.lock.yaml"
    lockfile.write(
        lock_path,
        Lockfile(
            campaign="worlds",
            jobs={
                "av-00000000000000aa": JobRecord(
                    "avatar_video",
                    "tiktok",
                    "succeeded",
                    ("videos.promo[avatar=isabelle,script=hello]",),
                    video_ids=("v1",),
                )
            },
        ),
    )
    whole = lock_path.read_bytes()
    lock_path.write_bytes(os.urandom(300) + b"\xff" if damage == "random" else whole[: len(whole) * 2 // 3])
    for args in (
        ["plan", str(spec)],
        ["status", str(spec)],
        ["apply", str(spec), "--yes", "--sandbox", "--lock", str(lock_path)],
    ):
        result = campaign(*args)
        assert result.returncode == 1, (args, result.stderr)
        assert (
            "corrupt lockfile" in result.stderr
            and "restore it from git" in result.stderr
            and "Traceback" not in result.stderr
        )


def test_a_killed_write_leaves_nothing_git_shows_and_the_next_write_cleans_up(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(".campaign/\n*.sandbox.lock.yaml\n.*.state-lock*\nartifacts/\n")
    lock_path = tmp_path / "c.lock.yaml"
    lockfile.write(lock_path, Lockfile(campaign="worlds"))
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"""
import os, sys, time
from pathlib import Path
from runner.lock import lockfile
from runner.lock.records import Lockfile
def stuck(fd):
    print("writing", flush=True)
    time.sleep(60)
os.fsync = stuck
lockfile.write(Path({str(lock_path)!r}), Lockfile(campaign="worlds"))
""",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_DIR,
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
    writer.kill()
    writer.wait()
    leftovers = list((tmp_path / ".campaign" / "tmp").glob(".c.lock.yaml.*.tmp"))
    assert len(leftovers) == 1  # the kill came mid-write
    shown = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path, capture_output=True, text=True
    )
    assert sorted(line[3:] for line in shown.stdout.splitlines()) == [".gitignore", "c.lock.yaml"]
    lockfile.write(lock_path, lockfile.read(lock_path, "worlds"))
    assert not leftovers[0].exists()


def test_status_refresh_does_not_ask_another_world_about_the_lockfiles_tasks(tmp_path: Path) -> None:
    from runner.lock.world import Endpoint, World

    spec = write(tmp_path, BY_ID)
    record = JobRecord(
        "avatar_video", "tiktok", "submitted", ("videos.promo[avatar=isabelle,script=hello]",), task_ids=("t1",)
    )
    recorded = World(sandbox=False, providers={"tiktok": Endpoint("business-api.tiktok.com")})
    lockfile.write(
        tmp_path / "c.lock.yaml", Lockfile(campaign="worlds", jobs={"av-00000000000000aa": record}, world=recorded)
    )
    result = campaign(
        "status",
        str(spec),
        "--refresh",
        env={"TIKTOK_API_BASE_URL": "http://127.0.0.1:9/open_api/v1.3", "TIKTOK_ACCESS_TOKEN": "t"},
    )
    assert result.returncode == 1 and "describes another world" in result.stderr and "127.0.0.1:9" in result.stderr
    assert lockfile.read(tmp_path / "c.lock.yaml", "worlds").jobs["av-00000000000000aa"].state == "submitted"
