"""The exception tree: every error a user can cause maps to exit 1, bugs to exit 3."""

from __future__ import annotations

from dataclasses import dataclass


class CampaignError(Exception):
    """An error the user can fix; printed as one message, exit code 1."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file."""

    file: str
    line: int
    column: int
    path: str  # e.g. "videos[0].scripts[1]"; "" for the whole file
    message: str

    def render(self) -> str:
        """Render as `FILE:LINE:COL: at PATH: MESSAGE`."""
        where = f"{self.file}:{self.line}:{self.column}"
        if self.path:
            return f"{where}: at {self.path}: {self.message}"
        return f"{where}: {self.message}"


class SpecError(CampaignError):
    """One or more problems in a campaign file (all of them, in file order)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path, p.message))
        super().__init__("\n".join(p.render() for p in self.problems))


class LockfileError(CampaignError):
    """A lockfile that cannot be read: corrupt, invalid, or written by a newer version."""


class StateLockHeld(CampaignError):
    """Another apply holds the state lock."""


class PlanMismatch(CampaignError):
    """A saved plan no longer matches the spec or lockfile."""


class ConfigError(CampaignError):
    """Missing or invalid configuration, e.g. credentials not set."""


class NoticeNotAcknowledged(CampaignError):
    """A provider notice must be acknowledged before uploading or downloading."""
