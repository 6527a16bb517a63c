"""Drift findings from what is on disk, the calendar and the plan: pure functions over the lockfile and the spec."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from runner.campaignfile.model import Spec
from runner.lock.records import JobRecord, Lockfile
from runner.plan.model import Action, Plan
from runner.plan.render import duration
from runner.provenance.verify import verify_file
from runner.vocabulary.kinds import known_kind
from runner.vocabulary.states import JobState

_GROUP = re.compile(r"^(?:videos|refresh)\.([^.\[]+)")


@dataclass(frozen=True, slots=True)
class Finding:
    """One drifted job: which, why, and the command that would fix it."""

    key: str
    address: str
    reason: str  # a closed word: gone, rejected, file-missing, file-altered, credentials, expired, stale, due
    detail: str
    fix: str


def group_of(address: str) -> str | None:
    """The video or refresh group an address belongs to."""
    found = _GROUP.match(address)
    return found.group(1) if found else None


def selector(address: str) -> str:
    """The `--target`/`--replace` selector of an address: `videos.g[avatar=a]` -> `g[avatar=a]`."""
    return address.split(".", 1)[1] if address.startswith(("videos.", "refresh.")) else address


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_findings(spec_arg: str, key: str, record: JobRecord, lock_dir: Path) -> list[Finding]:
    """Downloads that are gone from disk or no longer hold the bytes recorded (their sha256)."""
    found = []
    address = record.addresses[0] if record.addresses else key
    for artifact in record.artifacts:
        path = lock_dir / artifact.path
        if not path.is_file():
            fix = f"campaign apply {spec_arg} (downloads it again)"
            found.append(Finding(key, address, "file-missing", f"{artifact.path} is missing", fix))
        elif _sha256(path) != artifact.sha256:
            fix = f"remove {artifact.path}, then campaign apply {spec_arg} (downloads it again)"
            found.append(
                Finding(key, address, "file-altered", f"{artifact.path} differs from its recorded sha256", fix)
            )
        else:
            status, detail = verify_file(path, key, artifact.sha256)
            if status in ("altered", "other-job"):  # unsigned files are a campaign without signing keys, not drift
                fix = f"remove {artifact.path}, then campaign apply {spec_arg} (downloads and signs it again)"
                found.append(Finding(key, address, "credentials", f"{artifact.path}: {detail}", fix))
    return found


def age_findings(spec: Spec, spec_arg: str, key: str, record: JobRecord, now: float) -> list[Finding]:
    """A video of a group past its `expires:` date, or older than its `refresh_after:` age."""
    address = record.addresses[0] if record.addresses else key
    group = group_of(address)
    life = spec.lifecycle.get(group or "")
    if group is None or life is None:
        return []
    found = []
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    if life.expires is not None and today > life.expires:
        fix = f"campaign plan {spec_arg} --exclude {group} (or remove the group, or move its expires: date)"
        found.append(Finding(key, address, "expired", f"group {group} expired on {life.expires.isoformat()}", fix))
    made = record.finished_at or record.submitted_at
    if life.refresh_after is not None and made is not None and now - made > life.refresh_after:
        fix = f"campaign plan {spec_arg} --replace {selector(address)} (or add a refresh of {group} with every:)"
        detail = f"made {duration(now - made)} ago; refresh_after is {duration(life.refresh_after)}"
        found.append(Finding(key, address, "stale", detail, fix))
    return found


def local_findings(spec: Spec, spec_arg: str, lock: Lockfile, lock_dir: Path, now: float) -> list[Finding]:
    """Every finding that needs no provider: files, expiry, age."""
    found: list[Finding] = []
    for key, record in sorted(lock.jobs.items()):
        kind = known_kind(record.kind)
        if record.state != JobState.SUCCEEDED or kind is None or not kind.makes_videos:
            continue
        found += file_findings(spec_arg, key, record, lock_dir)
        found += age_findings(spec, spec_arg, key, record, now)
    return found


def provider_findings(spec_arg: str, lock: Lockfile, missing: Mapping[str, tuple[str, str]]) -> list[Finding]:
    """Jobs whose videos the provider forgot or rejected: replacing them makes them again."""
    found = []
    for key, (reason, detail) in sorted(missing.items()):
        record = lock.jobs[key]
        address = record.addresses[0] if record.addresses else key
        fix = f"campaign plan {spec_arg} --replace {selector(address)} (or --exclude it)"
        found.append(Finding(key, address, reason, detail, fix))
    return found


def due_findings(spec_arg: str, plan: Plan, rotating: Iterable[str]) -> list[Finding]:
    """Variations of rotating refresh groups whose period has begun and that are not made yet."""
    groups = set(rotating)
    found = []
    for change in plan.changes:
        if change.action != Action.CREATE or change.job is None:
            continue
        address = change.job.addresses[0]
        group = group_of(address)
        if group in groups and "period=" in address:
            fix = f"campaign apply {spec_arg} --target {group}"
            found.append(Finding(change.key, address, "due", "a new variation of this period is due", fix))
    return found
