"""Load a campaign file: YAML with locations, schema, references, templates -> Spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from runner.errors import Problem, SpecError
from runner.paths import template_dirs
from runner.spec import limits
from runner.spec.model import (
    ApplySettings,
    BudgetSettings,
    Prices,
    AvatarRef,
    HookDef,
    RefreshGroup,
    RefreshSource,
    ScriptDef,
    SourceMap,
    Spec,
    VideoGroup,
)
from runner.spec.schema import schema_problems
from runner.spec.templates import TemplateProblem, check_template, did_you_mean
from runner.spec.yaml_source import load_yaml

RESERVED_NAMES = frozenset({"campaign", "vars", "avatar", "script", "holiday_theme"})


def load_spec(path: Path, display: str | None = None) -> Spec:
    """Read and validate a campaign file; raise SpecError listing every problem."""
    file = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([Problem(file, 1, 1, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([Problem(file, 1, 1, "", f"cannot read the file: {exc}")]) from None
    data, marks, problems = load_yaml(text, file)
    source_map = SourceMap(marks)
    if data is not None and not problems:
        if not isinstance(data, dict):
            problems.append(Problem(file, 1, 1, "", "a campaign file is a mapping; start with `version: 1`"))
        else:
            for where, message in schema_problems(data):
                line, col = source_map.at(where)
                problems.append(Problem(file, line, col, where, message))
    if problems:
        raise SpecError(problems)
    checker = _Checker(path, file, data, source_map)
    spec = checker.build()
    if checker.problems:
        raise SpecError(checker.problems)
    return spec


class _Checker:
    """References, static API limits and templates of a schema-valid document."""

    def __init__(self, path: Path, file: str, data: dict[str, Any], source_map: SourceMap) -> None:
        self.path = path
        self.file = file
        self.data = data
        self.map = source_map
        self.problems: list[Problem] = []
        self.template_dirs = template_dirs(path)

    def problem(self, where: str, message: str) -> None:
        line, col = self.map.at(where)
        self.problems.append(Problem(self.file, line, col, where, message))

    def template(self, where: str, source: str) -> None:
        try:
            check_template(source)
        except TemplateProblem as exc:
            self.problem(where, str(exc))

    def build(self) -> Spec:
        data = self.data
        provider = data.get("provider", "tiktok")
        avatars = {
            alias: AvatarRef(alias, ref.get("provider", provider), ref.get("id"), ref.get("name"))
            for alias, ref in (data.get("avatars") or {}).items()
        }
        scripts = {sid: self._script(sid, ref) for sid, ref in (data.get("scripts") or {}).items()}
        videos = tuple(self._video(i, g, provider, avatars, scripts) for i, g in enumerate(data.get("videos") or []))
        self._unique_ids()
        refresh = tuple(self._refresh(i, g, videos) for i, g in enumerate(data.get("refresh") or []))
        settings = data.get("apply") or {}
        return Spec(
            path=self.path,
            campaign=data["campaign"],
            provider=provider,
            vars=dict(data.get("vars") or {}),
            avatars=avatars,
            scripts=scripts,
            videos=videos,
            refresh=refresh,
            apply=ApplySettings(
                accept_notices=settings.get("accept_notices", False),
                artifacts_dir=settings.get("artifacts_dir"),
                download=settings.get("download", True),
                max_retries=settings.get("max_retries", 1),
                transient_attempts=settings.get("transient_attempts"),
                transient_seconds=settings.get("transient_seconds"),
                max_in_flight=dict(settings.get("max_in_flight") or {}),
            ),
            locations=self.map,
            template_dirs=self.template_dirs,
            budget=budget_settings(data.get("budget") or {}),
        )

    def _script(self, sid: str, ref: Mapping[str, str]) -> ScriptDef:
        where = f"scripts.{sid}"
        if "text" in ref:
            self.template(f"{where}.text", ref["text"])
            return ScriptDef(sid, ref["text"], "inline")
        name = ref["template"]
        for folder in self.template_dirs:
            candidate = folder / name
            if candidate.is_file():
                source = candidate.read_text(encoding="utf-8")
                try:
                    check_template(source)
                except TemplateProblem as exc:
                    self.problems.append(Problem(str(candidate), exc.line, 1, "", f"{exc} (used by {where})"))
                return ScriptDef(sid, source, str(candidate))
        searched = " and ".join(str(folder) for folder in self.template_dirs)
        self.problem(f"{where}.template", f"template '{name}' not found; looked in {searched}")
        return ScriptDef(sid, "", name)

    def _video(
        self, index: int, group: Mapping[str, Any], provider: str,
        avatars: Mapping[str, AvatarRef], scripts: Mapping[str, ScriptDef],
    ) -> VideoGroup:
        where = f"videos[{index}]"
        group_provider = group.get("provider", provider)
        for i, alias in enumerate(group["avatars"]):
            if alias not in avatars:
                self.problem(f"{where}.avatars[{i}]", f"'{alias}' is not a defined avatar" + did_you_mean(alias, avatars))
            elif avatars[alias].provider != group_provider:
                self.problem(
                    f"{where}.avatars[{i}]",
                    f"avatar '{alias}' is a {avatars[alias].provider} avatar but this group uses {group_provider}",
                )
        for i, sid in enumerate(group["scripts"]):
            if sid not in scripts:
                self.problem(f"{where}.scripts[{i}]", f"'{sid}' is not a defined script" + did_you_mean(sid, scripts))
        matrix = tuple((axis, tuple(values)) for axis, values in (group.get("matrix") or {}).items())
        for axis, _ in matrix:
            if axis in RESERVED_NAMES:
                self.problem(f"{where}.matrix.{axis}", f"axis name '{axis}' is reserved; rename the axis")
        axes = {axis: values for axis, values in matrix}
        for kind in ("exclude", "include"):
            for i, cell in enumerate(group.get(kind) or []):
                self._cell(f"{where}.{kind}[{i}]", cell, group, axes, full=(kind == "include"))
        if group_provider == "heygen":
            if not group.get("voice"):
                self.problem(where, "HeyGen groups need a `voice` (a HeyGen voice id)")
        else:
            for key in ("voice", "aspect_ratio"):
                if key in group:
                    self.problem(f"{where}.{key}", f"`{key}` applies to HeyGen groups only")
        if "name" in group:
            self.template(f"{where}.name", group["name"])
        return VideoGroup(
            id=group["id"],
            index=index,
            provider=group_provider,
            avatars=tuple(group["avatars"]),
            scripts=tuple(group["scripts"]),
            matrix=matrix,
            exclude=tuple(dict(c) for c in group.get("exclude") or []),
            include=tuple(dict(c) for c in group.get("include") or []),
            name=group.get("name"),
            voice=group.get("voice"),
            aspect_ratio=group.get("aspect_ratio", "9:16" if group_provider == "heygen" else None),
        )

    def _cell(self, where: str, cell: Mapping[str, Any], group: Mapping[str, Any], axes: Mapping[str, Any], full: bool) -> None:
        known = {"avatar": group["avatars"], "script": group["scripts"], **axes}
        for key, value in cell.items():
            if key not in known:
                self.problem(f"{where}.{key}", f"'{key}' is not avatar, script or an axis of this group" + did_you_mean(key, known))
            elif not full and value not in known[key]:
                self.problem(f"{where}.{key}", f"{value!r} is not a value of '{key}' in this group" + did_you_mean(str(value), [str(v) for v in known[key]]))
        if full:
            missing = [k for k in known if k not in cell]
            if missing:
                self.problem(where, f"an include entry must give every key; missing: {', '.join(missing)}")

    def _unique_ids(self) -> None:
        seen: dict[str, str] = {}
        for section in ("videos", "refresh"):
            for i, group in enumerate(self.data.get(section) or []):
                where = f"{section}[{i}].id"
                if group["id"] in seen:
                    self.problem(where, f"group id '{group['id']}' is already used at {seen[group['id']]}; ids must be unique")
                else:
                    seen[group["id"]] = f"{section}[{i}]"

    def _refresh(self, index: int, group: Mapping[str, Any], videos: tuple[VideoGroup, ...]) -> RefreshGroup:
        where = f"refresh[{index}]"
        source = group["source"]
        if "url" in source:
            message = limits.source_url(source["url"])
            if message:
                self.problem(f"{where}.source.url", message)
            if "where" in source:
                self.problem(f"{where}.source.where", "`where` filters the videos of a `from` group; it has no meaning with `url`")
        else:
            by_id = {v.id: v for v in videos}
            origin = by_id.get(source["from"])
            if origin is None:
                self.problem(f"{where}.source.from", f"'{source['from']}' is not a video group" + did_you_mean(source["from"], by_id))
            else:
                known: dict[str, tuple[Any, ...]] = {"avatar": origin.avatars, "script": origin.scripts, **dict(origin.matrix)}
                for key, value in (source.get("where") or {}).items():
                    if key not in known:
                        self.problem(f"{where}.source.where.{key}", f"'{key}' is not avatar, script or an axis of group '{origin.id}'" + did_you_mean(key, known))
                    elif value not in known[key]:
                        self.problem(f"{where}.source.where.{key}", f"{value!r} is not a value of '{key}' in group '{origin.id}'")
        strategies = tuple(group["strategies"])
        message = limits.strategies(strategies)
        if message:
            self.problem(f"{where}.strategies", message)
        hook = self._hook(where, group.get("hook"), strategies)
        if "name" in group:
            self.template(f"{where}.name", group["name"])
        return RefreshGroup(
            id=group["id"],
            index=index,
            source=RefreshSource(source.get("url"), source.get("from"), dict(source.get("where") or {})),
            strategies=tuple(sorted(strategies)),
            hook=hook,
            name=group.get("name"),
        )

    def _hook(self, where: str, hook: Mapping[str, Any] | None, strategies: tuple[str, ...]) -> HookDef | None:
        if "ADD_HOOK" not in strategies:
            if hook is not None:
                self.problem(f"{where}.hook", "a hook needs the ADD_HOOK strategy; add it to strategies or remove the hook")
            return None
        if hook is None:
            self.problem(where, "ADD_HOOK needs a `hook` with a type and a product_category")
            return None
        if "product_category" not in hook:
            self.problem(f"{where}.hook", "ADD_HOOK needs a product_category")
        themes = tuple(hook.get("holiday_themes") or ())
        if hook["type"] == "HOLIDAY" and not themes:
            self.problem(f"{where}.hook", "a HOLIDAY hook needs at least one holiday theme in holiday_themes")
        if themes and hook["type"] != "HOLIDAY":
            self.problem(f"{where}.hook.holiday_themes", f"holiday_themes apply to HOLIDAY hooks only, not {hook['type']}")
        if "product_description" in hook:
            self.template(f"{where}.hook.product_description", hook["product_description"])
        return HookDef(hook["type"], hook.get("product_category"), hook.get("product_description"), themes)


def budget_settings(block: Mapping[str, Any]) -> BudgetSettings:
    """The `budget:` block (already schema-checked) as a typed value."""
    prices = block.get("prices")
    return BudgetSettings(
        max_new_videos=block.get("max_new_videos"),
        max_videos=block.get("max_videos"),
        warn_at=float(block.get("warn_at", 0.8)),
        prices=Prices(prices.get("per_video"), prices.get("per_second"), prices.get("currency", "USD")) if prices else None,
    )
