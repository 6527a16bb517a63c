"""The lockfile: every job's state and video ids, sorted, deterministic, written atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Mapping

import jsonschema
import yaml

from runner.errors import LockfileError
from runner.paths import SCHEMAS_DIR

LOCK_VERSION = 1
JobState = Literal["pending", "submitted", "succeeded", "failed"]

try:  # the C emitter is ~10x faster on large lockfiles
    _Dumper: Any = yaml.CSafeDumper
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Dumper = yaml.SafeDumper
    _Loader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class Artifact:
    """A downloaded output video."""

    video_id: str
    path: str  # relative to the lockfile's directory, POSIX separators
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class JobError:
    """Why a job failed, as the provider said it."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class JobRecord:
    """What the lockfile knows about one job."""

    kind: str
    provider: str
    state: JobState
    addresses: tuple[str, ...]
    name: str | None = None
    video_name: str | None = None  # the name sent to the provider (carries the key tag)
    request_digest: str | None = None  # sha256 of the canonical request, for review
    depends_on: tuple[str, ...] = ()
    task_ids: tuple[str, ...] = ()
    video_ids: tuple[str, ...] = ()
    stock_video_id: str | None = None  # uploads only
    attempts: int = 0
    submitted_at: float | None = None  # provider-side unix time of the last create attempt
    error: JobError | None = None
    artifacts: tuple[Artifact, ...] = ()


@dataclass(frozen=True, slots=True)
class Lockfile:
    """The whole lockfile."""

    campaign: str
    jobs: Mapping[str, JobRecord] = field(default_factory=dict)
    # provider -> avatar name -> resolved id, so later plans stay offline
    resolved_avatars: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    version: int = LOCK_VERSION

    def with_job(self, key: str, record: JobRecord) -> Lockfile:
        """Return a copy with one job record set."""
        return replace(self, jobs={**self.jobs, key: record})

    def without_jobs(self, keys: set[str]) -> Lockfile:
        """Return a copy without the given jobs (forgotten)."""
        return replace(self, jobs={k: v for k, v in self.jobs.items() if k not in keys})

    def with_resolution(self, provider: str, name: str, avatar_id: str) -> Lockfile:
        """Return a copy recording that an avatar name resolved to an id."""
        by_provider = {**self.resolved_avatars.get(provider, {}), name: avatar_id}
        return replace(self, resolved_avatars={**self.resolved_avatars, provider: by_provider})


def _schema() -> dict[str, Any]:
    with open(SCHEMAS_DIR / "lockfile.schema.json", encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    return schema


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v not in (None, (), [], {})}


def to_data(lock: Lockfile) -> dict[str, Any]:
    """Turn a lockfile into plain, sorted data."""
    jobs: dict[str, Any] = {}
    for key in sorted(lock.jobs):
        record = asdict(lock.jobs[key])
        record["addresses"] = sorted(record["addresses"])
        record["artifacts"] = [_drop_empty(a) for a in record["artifacts"]]
        jobs[key] = _drop_empty(record)
    data: dict[str, Any] = {"version": lock.version, "campaign": lock.campaign}
    if lock.resolved_avatars:
        data["resolved_avatars"] = {
            p: dict(sorted(names.items())) for p, names in sorted(lock.resolved_avatars.items())
        }
    data["jobs"] = jobs
    return data


def dumps(lock: Lockfile) -> str:
    """Serialize deterministically: the same lockfile always gives the same bytes."""
    header = "# Written by `campaign apply`. Commit it; do not edit by hand.\n"
    body = yaml.dump(to_data(lock), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)
    return header + body


def from_data(data: Any, source: str) -> Lockfile:
    """Validate plain data and build a Lockfile; LockfileError names the source and the fix."""
    if not isinstance(data, dict):
        raise LockfileError(f"{source}: not a lockfile (expected a mapping at the top level); delete it or restore it from git")
    version = data.get("version")
    if isinstance(version, int) and version > LOCK_VERSION:
        raise LockfileError(
            f"{source}: lockfile version {version} was written by a newer campaign; upgrade campaign (this one reads version {LOCK_VERSION})"
        )
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "top level"
        raise LockfileError(f"{source}: corrupt lockfile at {where}: {first.message}; restore it from git")
    jobs = {}
    for key, rec in data["jobs"].items():
        rec = dict(rec)
        rec["addresses"] = tuple(rec.get("addresses", ()))
        for name in ("depends_on", "task_ids", "video_ids"):
            rec[name] = tuple(rec.get(name, ()))
        rec["artifacts"] = tuple(Artifact(**a) for a in rec.get("artifacts", ()))
        if rec.get("error") is not None:
            rec["error"] = JobError(**rec["error"])
        jobs[key] = JobRecord(**rec)
    return Lockfile(
        campaign=data["campaign"],
        jobs=jobs,
        resolved_avatars={p: dict(n) for p, n in data.get("resolved_avatars", {}).items()},
        version=version if isinstance(version, int) else LOCK_VERSION,
    )


def loads(text: str, source: str = "<lockfile>") -> Lockfile:
    """Parse lockfile text."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise LockfileError(f"{source}{where}: corrupt lockfile (not valid YAML); restore it from git") from None
    return from_data(data, source)


def read(path: Path, campaign: str) -> Lockfile:
    """Read the lockfile at `path`, or an empty one for `campaign` if it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lockfile(campaign=campaign)
    except OSError as exc:
        raise LockfileError(f"{path}: cannot read lockfile: {exc.strerror}") from None
    lock = loads(text, str(path))
    if lock.campaign != campaign:
        raise LockfileError(
            f"{path}: lockfile belongs to campaign '{lock.campaign}', not '{campaign}'; pass --lock to use another file"
        )
    return lock


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically and durably (temp file, fsync, rename, fsync dir)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write(path: Path, lock: Lockfile) -> None:
    """Write the lockfile atomically."""
    write_atomic(path, dumps(lock))


def digest_of_file(path: Path) -> str:
    """sha256 of a file's bytes, or of the empty string when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return hashlib.sha256(b"").hexdigest()
