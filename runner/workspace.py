"""A campaign's files beside its spec: lockfile, state folder, journal, downloads and the sandbox's account.

Every command and apply take these paths from here, so each formula exists once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STATE_DIR_NAME = ".campaign"  # untracked: journal, saved pacing, sandbox account, temp files of atomic writes
LOCK_SUFFIX = ".lock.yaml"
SANDBOX_LOCK_SUFFIX = ".sandbox.lock.yaml"
APPROVALS_SUFFIX = ".approvals.yaml"


def spec_stem(spec_path: Path) -> str:
    """`winter-boots.yaml` -> `winter-boots`."""
    name = spec_path.name
    for suffix in (".yaml", ".yml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def lock_path_for(spec_path: Path, *, sandbox: bool = False) -> Path:
    """The default lockfile beside a spec: `x.yaml` -> `x.lock.yaml`, or `x.sandbox.lock.yaml` with `--sandbox`."""
    return spec_path.with_name(spec_stem(spec_path) + (SANDBOX_LOCK_SUFFIX if sandbox else LOCK_SUFFIX))


def approvals_path_for(spec_path: Path) -> Path:
    """The committed approvals file beside a spec: `x.yaml` -> `x.approvals.yaml` (one for every world)."""
    return spec_path.with_name(spec_stem(spec_path) + APPROVALS_SUFFIX)


def state_dir_for(spec_path: Path) -> Path:
    """The untracked state folder beside a spec (`.campaign/`): journals, saved pacing, the sandbox's account."""
    return spec_path.parent / STATE_DIR_NAME


def scratch_dir_for(path: Path) -> Path:
    """Where atomic writes of `path` keep their temp files: the state folder beside it, which git ignores."""
    return path.parent / STATE_DIR_NAME / "tmp"


def journal_for(lock_path: Path) -> Path:
    """A lockfile's write-ahead log: `.campaign/NAME.lock.yaml.journal` beside the lockfile."""
    return lock_path.parent / STATE_DIR_NAME / f"{lock_path.name}.journal"


def artifacts_dir_for(spec_path: Path, configured: str | None = None) -> Path:
    """The downloads folder: `apply.artifacts_dir`, or `artifacts/<spec file's stem>` beside the spec.

    The folder belongs to the file (and so to its lockfiles), not to its `campaign:` name, which two
    files may share.
    """
    return spec_path.parent / (configured or f"artifacts/{spec_stem(spec_path)}")


def shared_artifacts_dir_for(spec_path: Path, campaign: str, configured: str | None = None) -> Path | None:
    """The folder older releases downloaded into (`artifacts/<campaign>`), when it is not this file's own."""
    if configured:
        return None
    old = spec_path.parent / f"artifacts/{campaign}"
    return None if old == artifacts_dir_for(spec_path) else old


@dataclass(frozen=True, slots=True)
class Workspace:
    """The paths of one campaign file, for the real world or the sandbox, with an optional `--lock` override."""

    spec_path: Path
    sandbox: bool = False
    lock_override: Path | None = None

    @property
    def lockfile(self) -> Path:
        """The lockfile this run reads and writes."""
        return self.lock_override or lock_path_for(self.spec_path, sandbox=self.sandbox)

    @property
    def lockfiles(self) -> tuple[Path, Path]:
        """Both default lockfiles of the spec: the real world's and the sandbox's (they share the downloads)."""
        return lock_path_for(self.spec_path), lock_path_for(self.spec_path, sandbox=True)

    @property
    def state_dir(self) -> Path:
        """The untracked state folder beside the spec."""
        return state_dir_for(self.spec_path)

    @property
    def journal(self) -> Path:
        """The write-ahead log of this run's lockfile."""
        return journal_for(self.lockfile)

    def artifacts(self, configured: str | None = None) -> Path:
        """Where this file's videos are downloaded (`configured`: the spec's `apply.artifacts_dir`)."""
        return artifacts_dir_for(self.spec_path, configured)

    def lockfiles_beside(self) -> list[Path]:
        """Every lockfile in the spec's folder and the `--lock` one's: downloads any of them records are kept."""
        folders = {self.spec_path.parent, self.lockfile.parent}
        found = {p for folder in folders if folder.is_dir() for p in folder.glob("*" + LOCK_SUFFIX)}
        return sorted(found | {self.lockfile})

    def sandbox_state_file(self, campaign: str) -> Path:
        """Where `--sandbox` runs keep the emulator's account, so a second run sees the same videos."""
        return self.state_dir / "sandbox" / f"{campaign}.json"

    def sandbox_only_note(self) -> str | None:
        """A note for a run without `--sandbox` when only the sandbox's lockfile exists (after the demo)."""
        if self.sandbox or self.lock_override is not None:
            return None
        real, sandboxed = self.lockfiles
        if real.exists() or not sandboxed.exists():
            return None
        return (
            f"note: there is no {real.name} yet, only the sandbox's {sandboxed.name}; "
            "pass --sandbox to see the state `apply --sandbox` left"
        )
