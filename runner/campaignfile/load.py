"""Load a campaign file: YAML with locations, schema, references, templates -> Spec."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner import api_facts as facts
from runner.campaignfile import limits
from runner.campaignfile.model import (
    ApplySettings,
    AvatarRef,
    BudgetSettings,
    HookDef,
    Prices,
    RefreshGroup,
    RefreshSource,
    ScriptDef,
    SourceMap,
    Spec,
    TwinDef,
    VideoGroup,
)
from runner.campaignfile.schema import schema_problems, without_invalid
from runner.campaignfile.sizes import SizeLimits, group_cells
from runner.campaignfile.templates import TemplateProblem, check_template, did_you_mean
from runner.campaignfile.values import same_value, shown, value_mismatch
from runner.campaignfile.yaml_source import child_path, load_yaml
from runner.errors import Problem, SpecError
from runner.media.footage import check_footage_file, file_sha256
from runner.paths import template_dirs
from runner.vocabulary.names import TAG_CHARS

RESERVED_NAMES = frozenset({"campaign", "vars", "avatar", "script", "holiday_theme"})


def load_spec(path: Path, display: str | None = None) -> Spec:
    """Read and validate a campaign file; raise SpecError listing every problem."""
    spec, problems = read_spec(path, display)
    if problems or spec is None:
        raise SpecError(problems)
    return spec


def read_spec(path: Path, display: str | None = None) -> tuple[Spec | None, list[Problem]]:
    """Read a campaign file into a Spec of its valid parts, and every problem found on the way.

    The Spec is None only when nothing can be checked further (unreadable file, YAML syntax,
    not a mapping). Otherwise schema errors are reported and the invalid parts left out, so
    that references, templates and limits of the rest are still checked.
    """
    file = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(file, 1, 1, "", "no such file")]
    except IsADirectoryError:
        return None, [Problem(file, 1, 1, "", "is a folder; give a campaign file")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(file, 1, 1, "", f"cannot read the file: {exc}")]
    data, marks, problems = load_yaml(text, file)
    if data is None:
        return None, problems
    if not isinstance(data, dict):
        return None, problems + [Problem(file, 1, 1, "", "a campaign file is a mapping; start with `version: 1`")]
    source_map = SourceMap(marks)
    for key in [k for k in data if not isinstance(k, str)]:
        line, col = source_map.at(str(key))
        problems.append(
            Problem(
                file, line, col, "", f"the top-level key {key!r} is not text; top-level keys are names like `version`"
            )
        )
        del data[key]
    for where, message in schema_problems(data):
        line, col = source_map.at(where)
        problems.append(Problem(file, line, col, where, message))
    valid, removed = without_invalid(data)
    if valid is None:
        return None, problems
    checker = _Checker(path, file, valid, source_map, _removed_names(data, removed))
    checker.removed_paths = {_data_path(parts) for parts in removed}
    spec = checker.build()
    return spec, problems + checker.problems


def _present(items: Any) -> list[tuple[int, Any]]:
    """(index, item) of a list whose schema-invalid items were removed (None)."""
    return [(i, item) for i, item in enumerate(items or []) if item is not None]


class _Checker:
    """References, static API limits, sizes and templates of the schema-valid parts of a document."""

    def __init__(
        self, path: Path, file: str, data: dict[str, Any], source_map: SourceMap, broken: set[tuple[str, str]]
    ) -> None:
        self.path = path
        self.file = file
        self.data = data
        self.map = source_map
        self.problems: list[Problem] = []
        self.template_dirs = template_dirs(path)
        self.limits = SizeLimits.from_block(data.get("limits"))
        # Names whose definitions the schema already refused: references to them are not errors again.
        self.broken_names = broken
        self.broken_groups = {name for section, name in broken if section == "groups"}
        self.group_sizes: dict[str, int] = {}
        self.group_axes: dict[str, Mapping[str, tuple[Any, ...]]] = {}
        self.oversized: set[str] = set()
        self.removed_paths: set[str] = set()

    def pruned(self, where: str) -> bool:
        """True when the schema already refused `where` or something inside it (no follow-on messages)."""
        return any(p == where or p.startswith((where + ".", where + "[")) for p in self.removed_paths)

    def problem(self, where: str, message: str) -> None:
        line, col = self.map.at(where)
        self.problems.append(Problem(self.file, line, col, where, message))

    def template(self, where: str, source: str) -> bool:
        try:
            check_template(source)
        except TemplateProblem as exc:
            self.problem(where, str(exc))
            return False
        return True

    def build(self) -> Spec:
        data = self.data
        provider = data.get("provider", "tiktok")
        avatars = {
            alias: AvatarRef(
                alias, ref.get("provider", provider), ref.get("id"), ref.get("name"), self._twin(alias, ref, provider)
            )
            for alias, ref in (data.get("avatars") or {}).items()
        }
        scripts = {
            sid: script for sid, ref in (data.get("scripts") or {}).items() if (script := self._script(sid, ref))
        }
        videos = tuple(self._video(i, g, provider, avatars, scripts) for i, g in _present(data.get("videos")))
        self._unique_ids()
        refresh = tuple(self._refresh(i, g, videos) for i, g in _present(data.get("refresh")))
        self._job_count(refresh)
        settings = data.get("apply") or {}
        return Spec(
            path=self.path,
            campaign=data["campaign"],
            provider=provider,
            vars=dict(data.get("vars") or {}),
            avatars=avatars,
            scripts=scripts,
            videos=tuple(v for v in videos if v.id not in self.oversized),
            refresh=tuple(r for r in refresh if r.source.from_group not in self.oversized),
            apply=ApplySettings(
                accept_notices=settings.get("accept_notices", False),
                artifacts_dir=settings.get("artifacts_dir"),
                download=settings.get("download", True),
                max_retries=settings.get("max_retries", 1),
                transient_attempts=settings.get("transient_attempts"),
                transient_seconds=settings.get("transient_seconds"),
                max_in_flight=dict(settings.get("max_in_flight") or {}),
                lock_lease=settings.get("lock_lease"),
            ),
            locations=self.map,
            template_dirs=self.template_dirs,
            budget=budget_settings(data.get("budget") or {}),
            limits=self.limits,
        )

    def _twin(self, alias: str, ref: Mapping[str, Any], provider: str) -> TwinDef | None:
        """A digital twin's definition, its footage checked (a file is hashed: its digest is the twin's identity)."""
        twin = ref.get("twin")
        if not isinstance(twin, Mapping):
            return None
        where = f"avatars.{alias}.twin"
        if ref.get("provider", provider) != "heygen":
            self.problem(where, "a digital twin is a HeyGen avatar; add `provider: heygen` to this avatar")
        name = str(twin.get("name", ""))
        visible = facts.HEYGEN_TWIN_NAME_MAX_CHARS - TAG_CHARS
        if len(name) > visible:
            self.problem(f"{where}.name", f"the twin's name is {len(name)} characters; at most {visible} fit")
        footage = twin.get("footage") or {}
        url, file, digest = footage.get("url"), None, None
        if url is not None and not str(url).startswith(("http://", "https://")):
            self.problem(f"{where}.footage.url", f"footage URL {url!r} must start with http:// or https://")
        if footage.get("file") is not None:
            file = (self.path.parent / str(footage["file"])).resolve()
            found = check_footage_file(file)
            if found is not None:
                self.problem(f"{where}.footage.file", found)
            else:
                digest = file_sha256(file)
        reroute = (twin.get("consent") or {}).get("reroute_url")
        if reroute is not None and not str(reroute).startswith(("http://", "https://")):
            self.problem(f"{where}.consent.reroute_url", f"reroute_url {reroute!r} must start with http:// or https://")
        group = twin.get("group")
        return TwinDef(name, url, file, digest, str(group) if group else None, reroute)

    def _script(self, sid: str, ref: Mapping[str, str]) -> ScriptDef | None:
        """The script, or None when its template is broken (reported once here, not per cell)."""
        where = f"scripts.{sid}"
        if "text" in ref:
            return ScriptDef(sid, ref["text"], "inline") if self.template(f"{where}.text", ref["text"]) else None
        name = ref["template"]
        for folder in self.template_dirs:
            candidate = folder / name
            if candidate.is_file():
                try:
                    source = candidate.read_text(encoding="utf-8")
                    check_template(source)
                except (OSError, UnicodeDecodeError) as exc:
                    self.problem(f"{where}.template", f"cannot read template '{name}': {exc}")
                    return None
                except TemplateProblem as exc:
                    self.problems.append(Problem(str(candidate), exc.line, 1, "", f"{exc} (used by {where})"))
                    return None
                return ScriptDef(sid, source, str(candidate))
        searched = " and ".join(str(folder) for folder in self.template_dirs)
        self.problem(f"{where}.template", f"template '{name}' not found; looked in {searched}")
        return None

    def _video(
        self,
        index: int,
        group: Mapping[str, Any],
        provider: str,
        avatars: Mapping[str, AvatarRef],
        scripts: Mapping[str, ScriptDef],
    ) -> VideoGroup:
        where = f"videos[{index}]"
        group_provider = group.get("provider", provider)
        usable_avatars = []
        for i, alias in _present(group["avatars"]):
            if alias not in avatars:
                if ("avatars", alias) not in self.broken_names:
                    self.problem(
                        f"{where}.avatars[{i}]", f"'{alias}' is not a defined avatar" + did_you_mean(alias, avatars)
                    )
            elif avatars[alias].provider != group_provider:
                self.problem(
                    f"{where}.avatars[{i}]",
                    f"avatar '{alias}' is a {avatars[alias].provider} avatar but this group uses {group_provider}",
                )
            else:
                usable_avatars.append(alias)
        usable_scripts = []
        for i, sid in _present(group["scripts"]):
            if sid in scripts:
                usable_scripts.append(sid)
            elif sid not in self.data.get("scripts", {}) and ("scripts", sid) not in self.broken_names:
                self.problem(
                    f"{where}.scripts[{i}]",
                    f"'{sid}' is not a defined script" + did_you_mean(sid, self.data.get("scripts", {})),
                )
        matrix = tuple(
            (axis, tuple(v for _, v in _present(values))) for axis, values in (group.get("matrix") or {}).items()
        )
        for axis, _ in matrix:
            if axis in RESERVED_NAMES:
                self.problem(f"{where}.matrix.{axis}", f"axis name '{axis}' is reserved; rename the axis")
        matrix = tuple((axis, values) for axis, values in matrix if axis not in RESERVED_NAMES)
        axes = {axis: values for axis, values in matrix}
        known: dict[str, tuple[Any, ...]] = {
            "avatar": tuple(a for _, a in _present(group["avatars"])),
            "script": tuple(s for _, s in _present(group["scripts"])),
            **axes,
        }
        excludes = [
            cell for i, cell in _present(group.get("exclude")) if self._exclude(f"{where}.exclude[{i}]", cell, known)
        ]
        includes = [
            cell
            for i, cell in _present(group.get("include"))
            if self._include(f"{where}.include[{i}]", cell, known, avatars, scripts, group_provider)
        ]
        if group_provider == "heygen":
            if not group.get("voice") and not self.pruned(f"{where}.voice"):
                self.problem(where, "HeyGen groups need a `voice` (a HeyGen voice id)")
        else:
            for key in ("voice", "aspect_ratio"):
                if key in group:
                    self.problem(f"{where}.{key}", f"`{key}` applies to HeyGen groups only")
        name = group.get("name")
        if name is not None and not self.template(f"{where}.name", name):
            name = None
        cells = group_cells([len(known["avatar"]), len(known["script"]), *(len(v) for _, v in matrix)], len(includes))
        self.group_sizes[group["id"]] = cells
        self.group_axes[group["id"]] = known
        if cells > self.limits.cells_per_group:
            self.problem(
                f"{where}.matrix" if matrix else where,
                f"group '{group['id']}' has {cells:,} cells; the limit is {self.limits.cells_per_group:,} "
                "(split the group, or raise `limits.cells_per_group`)",
            )
            self.oversized = self.oversized | {group["id"]}
        return VideoGroup(
            id=group["id"],
            index=index,
            provider=group_provider,
            avatars=tuple(usable_avatars),
            scripts=tuple(usable_scripts),
            matrix=matrix,
            exclude=tuple(dict(c) for c in excludes),
            include=tuple(dict(c) for c in includes),
            name=name,
            voice=group.get("voice"),
            aspect_ratio=group.get("aspect_ratio", "9:16" if group_provider == "heygen" else None),
        )

    def _exclude(self, where: str, cell: Mapping[str, Any], known: Mapping[str, tuple[Any, ...]]) -> bool:
        ok = True
        for key, value in cell.items():
            if key not in known:
                self.problem(
                    f"{where}.{key}",
                    f"'{key}' is not avatar, script or an axis of this group" + did_you_mean(key, known),
                )
                ok = False
            elif not any(same_value(value, v) for v in known[key]):
                self.problem(f"{where}.{key}", value_mismatch(value, key, "in this group", known[key]))
                ok = False
        return ok

    def _include(
        self,
        where: str,
        cell: Mapping[str, Any],
        known: Mapping[str, tuple[Any, ...]],
        avatars: Mapping[str, AvatarRef],
        scripts: Mapping[str, ScriptDef],
        provider: str,
    ) -> bool:
        ok = True
        for key in cell:
            if key not in known:
                self.problem(
                    f"{where}.{key}",
                    f"'{key}' is not avatar, script or an axis of this group" + did_you_mean(key, known),
                )
                ok = False
        missing = [k for k in known if k not in cell]
        if missing and not self.pruned(where):
            self.problem(where, f"an include entry must give every key; missing: {', '.join(missing)}")
            ok = False
        avatar, script = cell.get("avatar"), cell.get("script")
        if "avatar" in cell and (
            not isinstance(avatar, str) or avatar not in avatars or avatars[avatar].provider != provider
        ):
            if ("avatars", str(avatar)) not in self.broken_names:
                self.problem(
                    f"{where}.avatar",
                    f"{shown(avatar)} is not a defined {provider} avatar" + did_you_mean(str(avatar), avatars),
                )
            ok = False
        if "script" in cell and (not isinstance(script, str) or script not in scripts):
            if not isinstance(script, str) or script not in self.data.get("scripts", {}):
                self.problem(
                    f"{where}.script", f"{shown(script)} is not a defined script" + did_you_mean(str(script), scripts)
                )
            ok = False
        return ok

    def _unique_ids(self) -> None:
        seen: dict[str, str] = {}
        for section in ("videos", "refresh"):
            for i, group in _present(self.data.get(section)):
                where = f"{section}[{i}].id"
                if group["id"] in seen:
                    self.problem(
                        where, f"group id '{group['id']}' is already used at {seen[group['id']]}; ids must be unique"
                    )
                else:
                    seen[group["id"]] = f"{section}[{i}]"

    def _matching_cells(self, origin: str, where: Mapping[str, Any]) -> int:
        """Cells of group `origin` that `where` selects, counted from the axes (an upper bound with excludes)."""
        axes = self.group_axes.get(origin)
        if axes is None:
            return 0
        total = self.group_sizes.get(origin, 0)
        for key, value in where.items():
            values = axes.get(key, ())
            if values:
                total = total * sum(1 for v in values if same_value(v, value)) // len(values) + 1
        return total

    def _job_count(self, refresh: tuple[RefreshGroup, ...]) -> None:
        """Refuse a file whose jobs would pass `limits.jobs`, counted from group sizes before expanding."""
        total = sum(size for group, size in self.group_sizes.items() if group not in self.oversized)
        for group in refresh:
            themes = len(group.hook.holiday_themes) if group.hook and group.hook.holiday_themes else 1
            sources = (
                1
                if group.source.url is not None
                else self._matching_cells(str(group.source.from_group), group.source.where)
            )
            total += sources * (1 + themes)
        if total > self.limits.jobs:
            self.problem(
                "videos" if "videos" in self.data else "refresh",
                f"the file expands to up to {total:,} jobs; the limit is {self.limits.jobs:,} (raise `limits.jobs` if that is intended)",
            )
            self.oversized = self.oversized | set(self.group_sizes)

    def _refresh(self, index: int, group: Mapping[str, Any], videos: tuple[VideoGroup, ...]) -> RefreshGroup:
        where = f"refresh[{index}]"
        source = group["source"]
        where_values: dict[str, Any] = dict(source.get("where") or {})
        if "url" in source:
            message = limits.source_url(source["url"])
            if message:
                self.problem(f"{where}.source.url", message)
            if "where" in source:
                self.problem(
                    f"{where}.source.where",
                    "`where` filters the videos of a `from` group; it has no meaning with `url`",
                )
        else:
            by_id = {v.id: v for v in videos}
            origin = by_id.get(source["from"])
            if origin is None:
                if source["from"] not in self.broken_groups:
                    self.problem(
                        f"{where}.source.from",
                        f"'{source['from']}' is not a video group" + did_you_mean(source["from"], by_id),
                    )
            else:
                known: dict[str, tuple[Any, ...]] = {
                    "avatar": origin.avatars,
                    "script": origin.scripts,
                    **dict(origin.matrix),
                }
                for key, value in (source.get("where") or {}).items():
                    if key not in known:
                        self.problem(
                            f"{where}.source.where.{key}",
                            f"'{key}' is not avatar, script or an axis of group '{origin.id}'"
                            + did_you_mean(key, known),
                        )
                    elif not any(same_value(value, v) for v in known[key]):
                        self.problem(
                            f"{where}.source.where.{key}",
                            value_mismatch(value, key, f"in group '{origin.id}'", known[key]),
                        )
        strategies = tuple(s for _, s in _present(group["strategies"]))
        message = limits.strategies(strategies)
        if message and not self.pruned(f"{where}.strategies"):
            self.problem(f"{where}.strategies", message)
        hook = self._hook(where, group.get("hook"), strategies)
        name = group.get("name")
        if name is not None and not self.template(f"{where}.name", name):
            name = None
        return RefreshGroup(
            id=group["id"],
            index=index,
            source=RefreshSource(source.get("url"), source.get("from"), where_values),
            strategies=tuple(sorted(strategies)),
            hook=hook,
            name=name,
        )

    def _hook(self, where: str, hook: Mapping[str, Any] | None, strategies: tuple[str, ...]) -> HookDef | None:
        if self.pruned(f"{where}.hook") or self.pruned(f"{where}.strategies"):
            return None
        if "ADD_HOOK" not in strategies:
            if hook is not None:
                self.problem(
                    f"{where}.hook", "a hook needs the ADD_HOOK strategy; add it to strategies or remove the hook"
                )
            return None
        if hook is None:
            self.problem(where, "ADD_HOOK needs a `hook` with a type and a product_category")
            return None
        if "product_category" not in hook:
            self.problem(f"{where}.hook", "ADD_HOOK needs a product_category")
        themes = tuple(t for _, t in _present(hook.get("holiday_themes")))
        if hook["type"] == "HOLIDAY" and not themes:
            self.problem(f"{where}.hook", "a HOLIDAY hook needs at least one holiday theme in holiday_themes")
        if themes and hook["type"] != "HOLIDAY":
            self.problem(
                f"{where}.hook.holiday_themes", f"holiday_themes apply to HOLIDAY hooks only, not {hook['type']}"
            )
        description = hook.get("product_description")
        if description is not None and not self.template(f"{where}.hook.product_description", description):
            description = None
        return HookDef(hook["type"], hook.get("product_category"), description, themes)


def _data_path(parts: tuple[Any, ...]) -> str:
    path = ""
    for part in parts:
        path = child_path(path, part)
    return path


def _removed_names(data: Mapping[str, Any], removed: set[tuple[Any, ...]]) -> set[tuple[str, str]]:
    """(section, name) of avatars, scripts and groups that the schema refused whole."""
    names: set[tuple[str, str]] = set()
    for parts in removed:
        if len(parts) != 2:
            continue
        if parts[0] in ("avatars", "scripts"):
            names.add((parts[0], str(parts[1])))
        elif parts[0] in ("videos", "refresh") and isinstance(parts[1], int):
            group = (data.get(parts[0]) or [None] * (parts[1] + 1))[parts[1]]
            if isinstance(group, dict) and "id" in group:
                names.add(("groups", str(group["id"])))
    return names


def budget_settings(block: Mapping[str, Any]) -> BudgetSettings:
    """The `budget:` block (already schema-checked) as a typed value."""
    prices = block.get("prices")
    return BudgetSettings(
        max_new_videos=block.get("max_new_videos"),
        max_videos=block.get("max_videos"),
        warn_at=float(block.get("warn_at", 0.8)),
        prices=Prices(prices.get("per_video"), prices.get("per_second"), prices.get("currency", "USD"))
        if prices
        else None,
    )
