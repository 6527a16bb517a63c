"""Checks of the avatars' digital twins and of the video groups: references, provider options, sizes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner import api_facts as facts
from runner.campaignfile.checker import Checker, present
from runner.campaignfile.compliance import group_evidence
from runner.campaignfile.model import AvatarRef, ScriptDef, TwinDef, VideoGroup
from runner.campaignfile.sizes import group_cells
from runner.campaignfile.templates import did_you_mean
from runner.campaignfile.values import same_value, shown, value_mismatch
from runner.media.footage import check_footage_file, file_sha256
from runner.vocabulary.kinds import twin_kinds
from runner.vocabulary.names import TAG_CHARS
from runner.vocabulary.providers import provider, providers

RESERVED_NAMES = frozenset({"campaign", "vars", "avatar", "script", "holiday_theme"})


def check_twin(checker: Checker, alias: str, ref: Mapping[str, Any], default: str) -> TwinDef | None:
    """A digital twin's definition, its footage checked (a file is hashed: its digest is the twin's identity)."""
    twin = ref.get("twin")
    if not isinstance(twin, Mapping):
        return None
    where = f"avatars.{alias}.twin"
    makers = [provider(k.provider) for k in twin_kinds()]
    if ref.get("provider", default) not in {m.name for m in makers}:
        titles, names = " or ".join(m.title for m in makers), " or ".join(f"`provider: {m.name}`" for m in makers)
        checker.problem(where, f"a digital twin is a {titles} avatar; add {names} to this avatar")
    name = str(twin.get("name", ""))
    visible = facts.HEYGEN_TWIN_NAME_MAX_CHARS - TAG_CHARS
    if len(name) > visible:
        checker.problem(f"{where}.name", f"the twin's name is {len(name)} characters; at most {visible} fit")
    footage = twin.get("footage") or {}
    url, file, digest = footage.get("url"), None, None
    if url is not None and not str(url).startswith(("http://", "https://")):
        checker.problem(f"{where}.footage.url", f"footage URL {url!r} must start with http:// or https://")
    if footage.get("file") is not None:
        file = (checker.path.parent / str(footage["file"])).resolve()
        found = check_footage_file(file)
        if found is not None:
            checker.problem(f"{where}.footage.file", found)
        else:
            digest = file_sha256(file)
    consent = twin.get("consent") or {}
    reroute = consent.get("reroute_url")
    if reroute is not None and not str(reroute).startswith(("http://", "https://")):
        checker.problem(f"{where}.consent.reroute_url", f"reroute_url {reroute!r} must start with http:// or https://")
    group = twin.get("group")
    told = _consent_notify(checker, f"{where}.consent.notify", consent.get("notify"))
    return TwinDef(name, url, file, digest, str(group) if group else None, reroute, told)


def _consent_notify(checker: Checker, where: str, urls: Any) -> tuple[str, ...]:
    """The apprise URLs of the people asked for consent; a problem never quotes one (it may carry a token)."""
    usable = []
    for i, url in present(urls):
        if "://" not in str(url):
            checker.problem(
                f"{where}[{i}]",
                "a consent notify target must be an apprise URL (SCHEME://...), for example mailto://dana@example.com",
            )
        else:
            usable.append(str(url))
    return tuple(dict.fromkeys(usable))


def check_video(
    checker: Checker,
    index: int,
    group: Mapping[str, Any],
    default: str,
    avatars: Mapping[str, AvatarRef],
    scripts: Mapping[str, ScriptDef],
) -> VideoGroup:
    """A video group with the references that resolve; problems for the others, its options and its size."""
    where = f"videos[{index}]"
    group_provider = group.get("provider", default)
    usable_avatars = _usable_avatars(checker, where, group, avatars, group_provider)
    usable_scripts = _usable_scripts(checker, where, group, scripts)
    matrix = _matrix(checker, where, group)
    known: dict[str, tuple[Any, ...]] = {
        "avatar": tuple(a for _, a in present(group["avatars"])),
        "script": tuple(s for _, s in present(group["scripts"])),
        **dict(matrix),
    }
    excludes = [
        cell
        for i, cell in present(group.get("exclude"))
        if check_exclude(checker, f"{where}.exclude[{i}]", cell, known)
    ]
    includes = [
        cell
        for i, cell in present(group.get("include"))
        if check_include(checker, f"{where}.include[{i}]", cell, known, (avatars, scripts), group_provider)
    ]
    options = _options(checker, where, group, group_provider)
    name = group.get("name")
    if name is not None and not checker.template(f"{where}.name", name):
        name = None
    _size(checker, where, group["id"], known, len(includes), bool(matrix))
    return VideoGroup(
        id=group["id"],
        index=index,
        provider=group_provider,
        avatars=usable_avatars,
        scripts=usable_scripts,
        matrix=matrix,
        exclude=tuple(dict(c) for c in excludes),
        include=tuple(dict(c) for c in includes),
        name=name,
        options=options,
        evidence=group_evidence(checker, where, group),
    )


def _usable_avatars(
    checker: Checker, where: str, group: Mapping[str, Any], avatars: Mapping[str, AvatarRef], group_provider: str
) -> tuple[str, ...]:
    usable = []
    for i, alias in present(group["avatars"]):
        if alias not in avatars:
            if ("avatars", alias) not in checker.broken_names:
                checker.problem(
                    f"{where}.avatars[{i}]", f"'{alias}' is not a defined avatar" + did_you_mean(alias, avatars)
                )
        elif avatars[alias].provider != group_provider:
            checker.problem(
                f"{where}.avatars[{i}]",
                f"avatar '{alias}' is a {avatars[alias].provider} avatar but this group uses {group_provider}",
            )
        else:
            usable.append(alias)
    return tuple(usable)


def _usable_scripts(
    checker: Checker, where: str, group: Mapping[str, Any], scripts: Mapping[str, ScriptDef]
) -> tuple[str, ...]:
    usable = []
    defined = checker.data.get("scripts", {})
    for i, sid in present(group["scripts"]):
        if sid in scripts:
            usable.append(sid)
        elif sid not in defined and ("scripts", sid) not in checker.broken_names:
            checker.problem(f"{where}.scripts[{i}]", f"'{sid}' is not a defined script" + did_you_mean(sid, defined))
    return tuple(usable)


def _matrix(checker: Checker, where: str, group: Mapping[str, Any]) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """The group's axes, without the ones whose names are reserved (a problem each)."""
    matrix = tuple((axis, tuple(v for _, v in present(values))) for axis, values in (group.get("matrix") or {}).items())
    for axis, _ in matrix:
        if axis in RESERVED_NAMES:
            checker.problem(f"{where}.matrix.{axis}", f"axis name '{axis}' is reserved; rename the axis")
    return tuple((axis, values) for axis, values in matrix if axis not in RESERVED_NAMES)


def _options(checker: Checker, where: str, group: Mapping[str, Any], group_provider: str) -> dict[str, str | None]:
    """The render fields the group's provider takes (request key -> value); problems for missing or foreign ones."""
    maker = provider(group_provider)
    own = {option.field for option in maker.video_options}
    for option in maker.video_options:
        if option.default is None and not group.get(option.field) and not checker.pruned(f"{where}.{option.field}"):
            checker.problem(where, f"{maker.title} groups need a `{option.field}` ({option.hint})")
    foreign: dict[str, list[str]] = {}
    for other in providers():
        for option in other.video_options:
            if option.field not in own:
                foreign.setdefault(option.field, []).append(other.title)
    for field, titles in foreign.items():
        if field in group:
            checker.problem(f"{where}.{field}", f"`{field}` applies to {' and '.join(titles)} groups only")
    return {option.request: group.get(option.field, option.default) for option in maker.video_options}


def _size(
    checker: Checker, where: str, group_id: str, known: Mapping[str, tuple[Any, ...]], includes: int, matrix: bool
) -> None:
    """Record the group's cells; a problem, and the group left out, when there are more than the limit."""
    cells = group_cells([len(values) for values in known.values()], includes)
    checker.group_sizes[group_id] = cells
    checker.group_axes[group_id] = known
    if cells > checker.limits.cells_per_group:
        checker.problem(
            f"{where}.matrix" if matrix else where,
            f"group '{group_id}' has {cells:,} cells; the limit is {checker.limits.cells_per_group:,} "
            "(split the group, or raise `limits.cells_per_group`)",
        )
        checker.oversized = checker.oversized | {group_id}


def check_exclude(checker: Checker, where: str, cell: Mapping[str, Any], known: Mapping[str, tuple[Any, ...]]) -> bool:
    """Whether an exclude entry names only keys and values of the group (problems for the others)."""
    ok = True
    for key, value in cell.items():
        if key not in known:
            checker.problem(
                f"{where}.{key}", f"'{key}' is not avatar, script or an axis of this group" + did_you_mean(key, known)
            )
            ok = False
        elif not any(same_value(value, v) for v in known[key]):
            checker.problem(f"{where}.{key}", value_mismatch(value, key, "in this group", known[key]))
            ok = False
    return ok


def check_include(
    checker: Checker,
    where: str,
    cell: Mapping[str, Any],
    known: Mapping[str, tuple[Any, ...]],
    defined: tuple[Mapping[str, AvatarRef], Mapping[str, ScriptDef]],
    group_provider: str,
) -> bool:
    """Whether an include entry gives every key, a defined avatar of the group's provider and a defined script."""
    avatars, scripts = defined
    ok = True
    for key in cell:
        if key not in known:
            checker.problem(
                f"{where}.{key}", f"'{key}' is not avatar, script or an axis of this group" + did_you_mean(key, known)
            )
            ok = False
    missing = [k for k in known if k not in cell]
    if missing and not checker.pruned(where):
        checker.problem(where, f"an include entry must give every key; missing: {', '.join(missing)}")
        ok = False
    avatar, script = cell.get("avatar"), cell.get("script")
    if "avatar" in cell and (
        not isinstance(avatar, str) or avatar not in avatars or avatars[avatar].provider != group_provider
    ):
        if ("avatars", str(avatar)) not in checker.broken_names:
            checker.problem(
                f"{where}.avatar",
                f"{shown(avatar)} is not a defined {group_provider} avatar" + did_you_mean(str(avatar), avatars),
            )
        ok = False
    if "script" in cell and (not isinstance(script, str) or script not in scripts):
        if not isinstance(script, str) or script not in checker.data.get("scripts", {}):
            checker.problem(
                f"{where}.script", f"{shown(script)} is not a defined script" + did_you_mean(str(script), scripts)
            )
        ok = False
    return ok
