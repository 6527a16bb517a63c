"""The lockfile's records and its format: every job's state and video ids as sorted, deterministic text."""

from __future__ import annotations

import functools
import json
import operator
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, is_dataclass, replace
from dataclasses import fields as dataclass_fields
from typing import Annotated, Any

import jsonschema
import msgspec
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


def _strict(annotation: Any) -> Any:
    """A field's type as msgspec reads it: records inside as structs that refuse unknown fields."""
    if is_dataclass(annotation) and isinstance(annotation, type):
        return _struct_of(annotation)
    origin, args = typing.get_origin(annotation), tuple(_strict(a) for a in typing.get_args(annotation))
    if origin is None:
        return annotation
    if origin in (types.UnionType, typing.Union):
        return functools.reduce(operator.or_, args)
    return origin[args]


def _struct_of(cls: type) -> type[msgspec.Struct]:
    """A struct with `cls`'s fields, types and defaults that refuses any other field, as the schema does."""
    hints = typing.get_type_hints(cls)
    fields = [
        (f.name, _strict(hints[f.name])) if f.default is MISSING else (f.name, _strict(hints[f.name]), f.default)
        for f in dataclass_fields(cls)
    ]
    return msgspec.defstruct(f"{cls.__name__}Data", fields, forbid_unknown_fields=True)


_Count = Annotated[int, msgspec.Meta(ge=0)]


class _LockData(msgspec.Struct, forbid_unknown_fields=True):
    """A lockfile as written: its types are JobRecord's, its top level the schema's."""

    version: int
    campaign: str
    jobs: dict[str, _struct_of(JobRecord)]  # type: ignore[valid-type]
    serial: _Count = 0
    lineage: str = ""
    world: dict[str, Any] | None = None
    retired_videos: _Count = 0
    resolved_avatars: dict[str, dict[str, str]] = {}


_DECODER = msgspec.json.Decoder(_LockData)


def _built(data: _LockData, source: str) -> Lockfile:
    """The Lockfile of typed data; ValidationError for what types alone do not say (keys, kinds registered now)."""
    _newer(data.version, source)
    key_pattern, known = kinds.key_pattern(), {k.name for k in kinds.kinds()}  # registered now: built once
    for key, rec in data.jobs.items():
        if not key_pattern.match(key) or rec.kind not in known:
            raise msgspec.ValidationError(key)
    try:
        world = worlds.from_data(data.world) if data.world is not None else None
    except (TypeError, ValueError, KeyError):
        raise msgspec.ValidationError("world") from None
    jobs = msgspec.convert(data.jobs, dict[str, JobRecord], from_attributes=True)
    # A version 1 file migrates on read: no serial, lineage or world yet; the next write adds them.
    return Lockfile(
        campaign=data.campaign,
        jobs=jobs,
        resolved_avatars=data.resolved_avatars,
        version=LOCK_VERSION,
        serial=data.serial,
        lineage=data.lineage,
        world=world,
        retired_videos=data.retired_videos,
    )


def _newer(version: object, source: str) -> None:
    if isinstance(version, int) and version > LOCK_VERSION:
        raise LockfileError(
            f"{source}: lockfile version {version} was written by a newer campaign; upgrade campaign (this one reads version {LOCK_VERSION})"
        )


def from_data(data: Any, source: str) -> Lockfile:
    """Validate plain data and build a Lockfile; LockfileError names the source and the fix."""
    if not isinstance(data, dict):
        raise LockfileError(
            f"{source}: not a lockfile (expected a mapping at the top level); delete it or restore it from git"
        )
    _newer(data.get("version"), source)
    try:
        return _built(msgspec.convert(data, _LockData), source)
    except msgspec.ValidationError:
        raise _explained(data, source) from None


def _explained(data: Any, source: str) -> LockfileError:
    """What is wrong with data that does not read, in the words of the published schema."""
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.absolute_path))
    first = errors[0] if errors else None
    where = ".".join(str(p) for p in first.absolute_path) if first is not None else ""
    detail = first.message if first is not None else "unexpected structure"
    return LockfileError(f"{source}: corrupt lockfile at {where or 'top level'}: {detail}; restore it from git")


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
            return _built(_DECODER.decode(body), source)
        except msgspec.ValidationError:  # JSON, but not a lockfile: say what is wrong
            return from_data(json.loads(body), source)
        except msgspec.DecodeError:
            pass  # not JSON: conflict markers or block YAML, below
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
