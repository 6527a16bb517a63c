"""`SPEC.approvals.yaml`: who approved which job's exact content, as sorted, deterministic YAML.

One entry per job key: the addresses it renders, the digest of its rendered request, and each
signature (role, name, time, note). A signature counts only for the key and digest it names, so
editing one script asks again for exactly the cells it renders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from runner.atomic import atomic_file
from runner.errors import CampaignError
from runner.lock.markers import conflict_line
from runner.workspace import scratch_dir_for

BOOK_VERSION = 1
HEADER = (
    "# Written by `campaign approve`. Commit it: each entry approves one job's exact content.\n"
    "# Review changes to it like code (docs/approvals.md); do not edit by hand.\n"
)


class ApprovalsError(CampaignError):
    """The approvals file cannot be read."""


@dataclass(frozen=True, slots=True, order=True)
class Signature:
    """One person's approval of one job, in one role ("" when the rule names no roles)."""

    role: str
    name: str
    at: str  # ISO 8601, UTC
    note: str = ""

    @property
    def shown(self) -> str:
        """`alice (legal)`, or `alice` without a role."""
        return f"{self.name} ({self.role})" if self.role else self.name


@dataclass(frozen=True, slots=True)
class Entry:
    """The approvals of one job key: what it renders, its content digest, the signatures."""

    digest: str
    addresses: tuple[str, ...] = ()
    signatures: tuple[Signature, ...] = ()


@dataclass(frozen=True, slots=True)
class Book:
    """The whole approvals file of one campaign."""

    campaign: str
    entries: Mapping[str, Entry] = field(default_factory=dict)

    def signatures(self, key: str, digest: str) -> tuple[Signature, ...]:
        """The signatures that hold for this key and content digest."""
        entry = self.entries.get(key)
        return entry.signatures if entry is not None and entry.digest == digest else ()

    def signed(self, key: str, digest: str, addresses: Iterable[str], signature: Signature) -> Book:
        """A copy with one more signature (replacing the same person's earlier one in that role)."""
        entry = self.entries.get(key)
        kept = entry.signatures if entry is not None and entry.digest == digest else ()
        kept = tuple(s for s in kept if (s.role, s.name) != (signature.role, signature.name))
        new = Entry(digest, tuple(sorted(addresses)), tuple(sorted((*kept, signature))))
        return replace(self, entries={**self.entries, key: new})

    def revoked(self, key: str, name: str, role: str | None) -> tuple[Book, int]:
        """A copy without `name`'s signatures of this key (in `role` only, when given), and how many went."""
        entry = self.entries.get(key)
        if entry is None:
            return self, 0
        kept = tuple(s for s in entry.signatures if not (s.name == name and (role is None or s.role == role)))
        gone = len(entry.signatures) - len(kept)
        entries = dict(self.entries)
        if kept:
            entries[key] = replace(entry, signatures=kept)
        else:
            del entries[key]
        return replace(self, entries=entries), gone


def read_book(path: Path, campaign: str) -> Book:
    """The approvals file, or an empty book when there is none; ApprovalsError names the file and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Book(campaign)
    except (OSError, UnicodeDecodeError) as exc:
        raise ApprovalsError(f"{path}: cannot read the approvals file: {exc}") from None
    line = conflict_line(text)
    if line is not None:
        raise ApprovalsError(
            f"{path}:{line}: has git merge-conflict markers; keep the signatures of both sides (each entry is one job key) "
            "and remove the markers, or take one side and run `campaign approve` again"
        )
    try:
        return _from_data(yaml.safe_load(text), campaign)
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ApprovalsError(
            f"{path}: not an approvals file ({type(exc).__name__}: {' '.join(str(exc).split())}); restore it from "
            "git, or delete it and approve again with `campaign approve`"
        ) from None


def _from_data(data: Any, campaign: str) -> Book:
    if data is None:
        return Book(campaign)
    if not isinstance(data, dict) or data.get("version") != BOOK_VERSION:
        raise ValueError(f"expected a mapping with version: {BOOK_VERSION}")
    entries: dict[str, Entry] = {}
    for key, raw in (data.get("approvals") or {}).items():
        signatures = tuple(
            Signature(str(s["role"] or ""), str(s["name"]), str(s["at"]), str(s.get("note") or ""))
            for s in raw["signatures"]
        )
        entries[str(key)] = Entry(str(raw["digest"]), tuple(str(a) for a in raw.get("addresses") or ()), signatures)
    return Book(str(data.get("campaign") or campaign), entries)


def dumps(book: Book) -> str:
    """Deterministic text: the same approvals always give the same bytes."""
    approvals: dict[str, Any] = {}
    for key in sorted(book.entries):
        entry = book.entries[key]
        approvals[key] = {
            "addresses": list(entry.addresses),
            "digest": entry.digest,
            "signatures": [
                {"role": s.role, "name": s.name, "at": s.at, **({"note": s.note} if s.note else {})}
                for s in sorted(entry.signatures)
            ],
        }
    data = {"version": BOOK_VERSION, "campaign": book.campaign, "approvals": approvals}
    return HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def write_book(path: Path, book: Book) -> None:
    """Write the approvals file atomically."""
    with atomic_file(path, scratch=scratch_dir_for(path)) as out:
        out.write(dumps(book))
