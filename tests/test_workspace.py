"""A campaign's paths come from one place: lockfiles, state folder, journal, downloads, the sandbox's account."""

from __future__ import annotations

from pathlib import Path

from runner.workspace import Workspace, artifacts_dir_for, journal_for, scratch_dir_for, shared_artifacts_dir_for


def test_the_lockfile_is_beside_the_spec_or_the_sandbox_s_or_the_override() -> None:
    spec = Path("campaigns/boots.yaml")
    assert Workspace(spec).lockfile == Path("campaigns/boots.lock.yaml")
    assert Workspace(spec, sandbox=True).lockfile == Path("campaigns/boots.sandbox.lock.yaml")
    assert Workspace(spec, sandbox=True, lock_override=Path("x/state.yaml")).lockfile == Path("x/state.yaml")
    assert Workspace(spec, sandbox=True).lockfiles == (
        Path("campaigns/boots.lock.yaml"),
        Path("campaigns/boots.sandbox.lock.yaml"),
    )


def test_state_folder_journal_and_scratch_are_untracked_companions() -> None:
    workspace = Workspace(Path("campaigns/boots.yml"), lock_override=Path("elsewhere/s.lock.yaml"))
    assert workspace.state_dir == Path("campaigns/.campaign")  # beside the spec
    assert workspace.journal == Path("elsewhere/.campaign/s.lock.yaml.journal")  # beside the lockfile
    assert workspace.journal == journal_for(workspace.lockfile)
    assert scratch_dir_for(Path("a/b.lock.yaml")) == Path("a/.campaign/tmp")


def test_downloads_follow_the_file_and_the_sandbox_account_the_campaign() -> None:
    workspace = Workspace(Path("campaigns/boots.yaml"), sandbox=True)
    assert workspace.artifacts() == Path("campaigns/artifacts/boots")  # the file's, not its `campaign:` name's
    assert workspace.artifacts("out/videos") == Path("campaigns/out/videos")
    assert artifacts_dir_for(Path("campaigns/boots.yaml")) == workspace.artifacts()
    assert shared_artifacts_dir_for(Path("campaigns/boots.yaml"), "winter") == Path("campaigns/artifacts/winter")
    assert shared_artifacts_dir_for(Path("campaigns/demo.yaml"), "demo") is None  # the same folder as before
    assert shared_artifacts_dir_for(Path("campaigns/boots.yaml"), "winter", "out/videos") is None
    assert workspace.sandbox_state_file("winter") == Path("campaigns/.campaign/sandbox/winter.json")


def test_the_emulator_s_own_formula_agrees() -> None:
    from runner.sandbox.server import state_file_for

    workspace = Workspace(Path("c/boots.yaml"))
    assert workspace.sandbox_state_file("winter") == state_file_for(Path("c"), "winter")


def test_a_note_only_when_just_the_sandbox_s_lockfile_exists(tmp_path: Path) -> None:
    spec = tmp_path / "boots.yaml"
    assert Workspace(spec).sandbox_only_note() is None
    (tmp_path / "boots.sandbox.lock.yaml").write_text("{}")
    note = Workspace(spec).sandbox_only_note()
    assert note is not None and "pass --sandbox" in note
    assert Workspace(spec, sandbox=True).sandbox_only_note() is None
    assert Workspace(spec, lock_override=tmp_path / "x.lock.yaml").sandbox_only_note() is None
    (tmp_path / "boots.lock.yaml").write_text("{}")
    assert Workspace(spec).sandbox_only_note() is None
