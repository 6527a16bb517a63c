"""The lockfile's records and its format: every job's state and video ids as sorted, deterministic text."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, is_dataclass, replace
from dataclasses import fields as dataclass_fields
from typing import Any

import jsonschema
import yaml

from runner.errors import LockfileError
from runner.lock import markers
from runner.lock import world as worlds
from runner.lock.world import World
from runner.paths import package_json
from runner.vocabulary import kinds
from runner.vocabulary.schemas import filled_lockfile_schema
from runner.vocabulary.states import JobState

LOCK_VERSION = 2  # 2 added serial, lineage and world; version 1 files are read and migrated

try:  # hand-edited block YAML still loads, with libyaml when present
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
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
    finished_at: float | None = None  # unix time its tasks were seen finished: later runs pace polls by it
    error: JobError | None = None
    artifacts: tuple[Artifact, ...] = ()
    request: Mapping[str, Any] | None = None  # the rendered request, so a later plan can show a field-level diff
    replaced: Mapping[str, Any] | None = (
        None  # a re-render on request: {"reason", "video_ids", "task_ids"} of the old video
    )
    waiting: str | None = None  # a digital twin not ready yet: "consent" (on a person) or "training"
    twin: Mapping[str, Any] | None = None  # a digital twin's {"group_id", "look_id", "consent_status"}
    idempotency_key: str | None = None  # a render's key for its latest attempt (`<key>:<attempt>` after the first)
    spend: Mapping[str, int] | None = (
        None  # counts besides `attempts`: "failed", "remade", "adopted" (`campaign spend`)
    )

    def counted(self, what: str) -> Mapping[str, int]:
        """This record's spend counts with one more `what` (to pass as `spend=` to a new or updated record)."""
        counts = dict(self.spend or {})
        counts[what] = counts.get(what, 0) + 1
        return counts


@dataclass(frozen=True, slots=True)
class Lockfile:
    """The whole lockfile."""

    campaign: str
    jobs: Mapping[str, JobRecord] = field(default_factory=dict)
    # provider -> avatar name -> resolved id, so later plans stay offline
    resolved_avatars: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    version: int = LOCK_VERSION
    serial: int = 0  # incremented by every write
    lineage: str = ""  # a random id fixed when the lockfile is first written; "" until then
    world: World | None = None  # the provider accounts its ids live in; None until an apply records it
    retired_videos: int = 0  # paid videos whose records were replaced or forgotten: the lifetime budget counts them

    def with_job(self, key: str, record: JobRecord) -> Lockfile:
        """Return a copy with one job record set."""
        return replace(self, jobs={**self.jobs, key: record})

    def without_jobs(self, keys: set[str]) -> Lockfile:
        """Return a copy without the given jobs (forgotten)."""
        return replace(self, jobs={k: v for k, v in self.jobs.items() if k not in keys})

    def with_world(self, world: World) -> Lockfile:
        """Return a copy recording the world its ids belong to."""
        return replace(self, world=world)

    def with_resolution(self, provider: str, name: str, avatar_id: str) -> Lockfile:
        """Return a copy recording that an avatar name resolved to an id."""
        by_provider = {**self.resolved_avatars.get(provider, {}), name: avatar_id}
        return replace(self, resolved_avatars={**self.resolved_avatars, provider: by_provider})


def paid_videos(record: JobRecord) -> int:
    """Videos a record stands for as paid or being paid: made, rendering, rejected after a render, or superseded."""
    if kinds.kind(record.kind).free:
        return 0
    if record.state == JobState.SUCCEEDED:
        made = len(record.video_ids) or 1
    elif record.state == JobState.FAILED:
        made = len(record.video_ids)  # a render rejected by its check was paid for; a failed task was not
    else:
        made = len(record.task_ids) or 1
    superseded = (record.replaced or {}).get("video_ids") or ()
    return made + len(superseded)


def _schema() -> dict[str, Any]:
    """The lockfile schema with the job kinds, providers and states registered now."""
    return filled_lockfile_schema(package_json("schemas", "lockfile.schema.json"))


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v not in (None, (), [], {})}


def _plain(value: Any) -> Any:
    """Records, mappings and sequences as dicts and lists (what `asdict` gives, without its deep copies)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclass_fields(value)}
    return value


_RECORD_FIELDS = tuple(f.name for f in dataclass_fields(JobRecord))


def to_data(lock: Lockfile) -> dict[str, Any]:
    """Turn a lockfile into plain, sorted data."""
    jobs: dict[str, Any] = {}
    for key in sorted(lock.jobs):
        job = lock.jobs[key]
        record = {name: _plain(getattr(job, name)) for name in _RECORD_FIELDS}
        record["addresses"] = sorted(record["addresses"])
        record["artifacts"] = [_drop_empty(a) for a in record["artifacts"]]
        jobs[key] = _drop_empty(record)
    data: dict[str, Any] = {"version": LOCK_VERSION, "campaign": lock.campaign, "serial": lock.serial}
    if lock.lineage:
        data["lineage"] = lock.lineage
    if lock.world is not None:
        data["world"] = worlds.to_data(lock.world)
    if lock.retired_videos:
        data["retired_videos"] = lock.retired_videos
    if lock.resolved_avatars:
        data["resolved_avatars"] = {
            p: dict(sorted(names.items())) for p, names in sorted(lock.resolved_avatars.items())
        }
    data["jobs"] = jobs
    return data


HEADER = (
    "# Written by `campaign apply`. Commit it; do not edit by hand.\n"
    "# YAML in its JSON-compatible style: any YAML or JSON parser reads it, and fast.\n"
)


def dumps(lock: Lockfile) -> str:
    """Serialize deterministically: the same lockfile always gives the same bytes."""
    return HEADER + json.dumps(to_data(lock), indent=2, ensure_ascii=False) + "\n"


_OPTIONAL_STR = ("name", "video_name", "request_digest", "stock_video_id", "waiting", "idempotency_key")
_STR_LISTS = ("addresses", "depends_on", "task_ids", "video_ids")


_STATES = {state.value: state for state in JobState}


def _record(key: str, rec: dict[str, Any], key_pattern: re.Pattern[str]) -> JobRecord:
    """Build one record, raising ValueError/TypeError/KeyError on anything the schema forbids."""
    state = rec["state"]
    if not key_pattern.match(key) or rec["kind"] != kinds.kind(rec["kind"]).name or state not in _STATES:
        raise ValueError(key)
    if not isinstance(rec["provider"], str) or not isinstance(rec.get("attempts", 0), int):
        raise TypeError(key)
    for name in _OPTIONAL_STR:
        if not isinstance(rec.get(name, ""), str):
            raise TypeError(name)
    fields = dict(rec)
    fields["state"] = _STATES[state]
    for name in _STR_LISTS:
        values = rec.get(name, [])
        if not isinstance(values, list):
            raise TypeError(name)
        for value in values:  # a loop, not all(...): a lockfile holds four of these lists per job
            if not isinstance(value, str):
                raise TypeError(name)
        fields[name] = tuple(values)
    if "artifacts" in rec:
        fields["artifacts"] = tuple(Artifact(**a) for a in rec["artifacts"])
    for name in ("request", "replaced", "twin", "spend"):
        if not isinstance(rec.get(name, {}), dict):
            raise TypeError("request")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in rec.get("spend", {}).values()):
        raise TypeError("spend")
    if rec.get("error") is not None:
        fields["error"] = JobError(**rec["error"])
    return JobRecord(**fields)


def from_data(data: Any, source: str) -> Lockfile:
    """Validate plain data and build a Lockfile; LockfileError names the source and the fix."""
    if not isinstance(data, dict):
        raise LockfileError(
            f"{source}: not a lockfile (expected a mapping at the top level); delete it or restore it from git"
        )
    version = data.get("version")
    if isinstance(version, int) and version > LOCK_VERSION:
        raise LockfileError(
            f"{source}: lockfile version {version} was written by a newer campaign; upgrade campaign (this one reads version {LOCK_VERSION})"
        )
    try:
        # The fast path checks what the schema checks; jsonschema explains when it fails.
        allowed = _TOP_LEVEL if version != 1 else _TOP_LEVEL_V1
        if set(data) - allowed or not isinstance(data["campaign"], str):
            raise ValueError("top level")
        key_pattern = kinds.key_pattern()  # the kinds registered now, built once for every record
        jobs = {key: _record(key, rec, key_pattern) for key, rec in data["jobs"].items()}
        resolved = {p: dict(n) for p, n in data.get("resolved_avatars", {}).items()}
        serial, lineage = data.get("serial", 0), data.get("lineage", "")
        if not isinstance(version, int) or not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
            raise TypeError("version or serial")
        if not isinstance(lineage, str):
            raise TypeError("lineage")
        retired = data.get("retired_videos", 0)
        if not isinstance(retired, int) or isinstance(retired, bool) or retired < 0:
            raise TypeError("retired_videos")
        world = worlds.from_data(data["world"]) if "world" in data else None
    except (TypeError, ValueError, KeyError, AttributeError):
        errors = sorted(
            jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.absolute_path)
        )
        first = errors[0] if errors else None
        where = ".".join(str(p) for p in first.absolute_path) if first is not None else ""
        detail = first.message if first is not None else "unexpected structure"
        raise LockfileError(
            f"{source}: corrupt lockfile at {where or 'top level'}: {detail}; restore it from git"
        ) from None
    # A version 1 file migrates on read: no serial, lineage or world yet; the next write adds them.
    return Lockfile(
        campaign=data["campaign"],
        jobs=jobs,
        resolved_avatars=resolved,
        version=LOCK_VERSION,
        serial=serial,
        lineage=lineage,
        world=world,
        retired_videos=retired,
    )


_TOP_LEVEL_V1 = frozenset({"version", "campaign", "resolved_avatars", "jobs"})
_TOP_LEVEL = _TOP_LEVEL_V1 | {"serial", "lineage", "world", "retired_videos"}


# One line with its end, as `str.splitlines(keepends=True)` cuts them: only the header's lines are looked at.
_LINE = re.compile("[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])?")


def _without_comments(text: str) -> str:
    start = 0
    while start < len(text):
        found = _LINE.match(text, start)  # at least one character: a line's text or its end
        line = found.group() if found is not None else text[start:]
        if not line.startswith("#") and line.strip():
            break
        start += len(line)
    return text[start:]


def loads(text: str, source: str = "<lockfile>") -> Lockfile:
    """Parse lockfile text."""
    body = _without_comments(text)
    if body.startswith("{") and text.isascii():
        # In ASCII text a line starts after \n, \r or a control character; a JSON body that parses has no control
        # character but those two, and none inside a string, so no line of it can start with a conflict marker.
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if data is not None:
            return from_data(data, source)
    conflicted = markers.conflict_line(text)
    if conflicted is not None:
        raise LockfileError(markers.conflict_message(source, conflicted))
    try:
        data = json.loads(body) if body.startswith("{") else None
    except ValueError:  # edited by hand into block YAML: still accepted
        data = None
    try:
        if data is None:
            data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise LockfileError(f"{source}{where}: corrupt lockfile (not valid YAML); restore it from git") from None
    return from_data(data, source)
