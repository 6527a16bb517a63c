"""Expand a Spec into the job graph: matrices, templates, limits, dedupe, refresh chains."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from runner import api_facts as facts
from runner.campaignfile import limits
from runner.campaignfile.load import read_spec
from runner.campaignfile.model import RefreshGroup, Scalar, Spec, TwinDef, VideoGroup
from runner.campaignfile.templates import Renderer, RenderError, slug
from runner.campaignfile.values import address_text, typed_key
from runner.errors import Problem, SpecError
from runner.plan.job import Job, job_key
from runner.plan.model import JobGraph
from runner.vocabulary import kinds
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.names import VISIBLE_NAME_CHARS, visible_name

Cell = dict[str, Scalar]
Resolved = Mapping[str, Mapping[str, str]]


def matrix_cells(group: VideoGroup) -> list[Cell]:
    """Every cell of a group: avatars x scripts x axes, minus `exclude`, plus `include` (values compared as typed)."""
    axes = [("avatar", group.avatars), ("script", group.scripts), *group.matrix]
    names = [name for name, _ in axes]
    excludes = [[(k, typed_key(v)) for k, v in ex.items()] for ex in group.exclude]
    cells: list[Cell] = []
    seen: set[tuple[tuple[str, object], ...]] = set()
    for values in itertools.product(*(values for _, values in axes)):
        cell = dict(zip(names, values, strict=True))
        typed = {k: typed_key(v) for k, v in cell.items()}
        if any(all(typed.get(k) == v for k, v in ex) for ex in excludes):
            continue
        cells.append(cell)
        seen.add(tuple(typed.items()))
    for extra in group.include:
        cell = {name: extra[name] for name in names if name in extra}
        key = tuple((k, typed_key(v)) for k, v in cell.items())
        if key not in seen:
            seen.add(key)
            cells.append(cell)
    return cells


def default_name(group_id: str, cell: Mapping[str, Scalar]) -> str:
    """`promo-isabelle-teaser-city-boot`: the group and the cell's values, slugged."""
    return "-".join([group_id, *(slug(v) or f"{k}-x" for k, v in cell.items())])


def cell_label(cell: Mapping[str, Scalar]) -> str:
    """`avatar=tom,script=story,product=City Boot`: the stable, readable form of a cell."""
    return ",".join(f"{k}={address_text(v)}" for k, v in cell.items())


def unresolved_avatars(spec: Spec, resolved: Resolved | None = None) -> dict[str, set[str]]:
    """Avatar names in use that the lockfile has not resolved yet, by provider."""
    resolved = resolved or {}
    used = {alias for group in spec.videos for alias in group.avatars}
    missing: dict[str, set[str]] = {}
    for alias in sorted(used):
        ref = spec.avatars[alias]
        if ref.name is not None and ref.name not in resolved.get(ref.provider, {}):
            missing.setdefault(ref.provider, set()).add(ref.name)
    return missing


class _Builder:
    def __init__(self, spec: Spec, resolved: Resolved) -> None:
        self.spec = spec
        self.resolved = resolved
        self.renderer = Renderer(spec)
        self.jobs: dict[str, Job] = {}
        self.warnings: list[str] = []
        self.problems: list[tuple[str, str, str]] = []  # (data path, cell label, message)
        self.base = {**spec.vars, "campaign": spec.campaign, "vars": spec.vars}
        self.cells_by_group: dict[str, list[tuple[Cell, str]]] = {}
        self.cell_index: dict[str, dict[tuple[str, object], list[int]]] = {}

    def problem(self, where: str, label: str, message: str) -> None:
        self.problems.append((where, label, message))

    def render(self, where: str, label: str, source: str, context: Mapping[str, Any]) -> str | None:
        try:
            return self.renderer.render(source, context)
        except RenderError as exc:
            self.problem(where, label, str(exc))
            return None

    def add(self, job: Job) -> Job:
        existing = self.jobs.get(job.key)
        if existing is None:
            self.jobs[job.key] = job
            return job
        if existing.name != job.name:
            self.warnings.append(
                f"{job.addresses[0]} and {existing.addresses[0]} make the same video under different names "
                f"({job.name!r}, {existing.name!r}); it is generated once, named {existing.name!r}"
            )
        merged = replace(existing, addresses=tuple(sorted({*existing.addresses, *job.addresses})))
        self.jobs[job.key] = merged
        return merged

    def videos(self, group: VideoGroup) -> None:
        where = f"videos[{group.index}]"
        made: list[tuple[Cell, str]] = []
        check = limits.heygen_script if group.provider == "heygen" else limits.tiktok_script
        for cell in matrix_cells(group):
            label = f"for {where}, cell ({cell_label(cell).replace(',', ', ')})"
            ref = self.spec.avatars[str(cell["avatar"])]
            script_def = self.spec.scripts[str(cell["script"])]
            script_at = f"scripts.{script_def.id}." + ("text" if script_def.origin == "inline" else "template")
            context = {**self.base, **cell}
            script = self.render(script_at, label, script_def.source, context)
            ok = script is not None
            for message in check(script) if script is not None else ():
                self.problem(script_at, label, message)
                ok = False
            if group.name is not None:
                name = self.render(f"{where}.name", label, group.name, context)
                ok = ok and name is not None
                for message in limits.video_name(name) if name is not None else ():
                    self.problem(f"{where}.name", label, message)
                    ok = False
            else:
                name = default_name(group.id, cell)
            if not ok or script is None:
                continue
            depends_on: tuple[str, ...] = ()
            if ref.twin is not None:
                twin_key = self.twin(ref.alias, ref.twin)
                avatar_ref: Any = {"job": twin_key}
                unresolved: tuple[str, ...] = ()
                depends_on = (twin_key,)
            else:
                avatar_ref, unresolved = self.avatar_id(ref.provider, ref.id, ref.name)
            request: dict[str, Any] = {"avatar_id": avatar_ref, "script": script}
            kind = JobKind.AVATAR_VIDEO
            if group.provider == "heygen":
                kind = JobKind.HEYGEN_VIDEO
                request.update(voice_id=group.voice, aspect_ratio=group.aspect_ratio)
            address = f"videos.{group.id}[{cell_label(cell)}]"
            job = self.add(
                Job(
                    job_key(kind, group.provider, request),
                    kind,
                    group.provider,
                    request,
                    (address,),
                    name=name,
                    depends_on=depends_on,
                    unresolved=unresolved,
                )
            )
            made.append((cell, job.key))
        self.cells_by_group[group.id] = made

    def twin(self, alias: str, twin: TwinDef) -> str:
        """The digital twin's job (once per alias): keyed by its footage and group, never by its name."""
        footage = {"url": twin.footage_url} if twin.footage_url is not None else {"sha256": twin.footage_sha256}
        request: dict[str, Any] = {"footage": footage, "group": twin.group}
        key = job_key(JobKind.HEYGEN_AVATAR, "heygen", request)
        if key not in self.jobs:
            address = (f"avatars.{alias}",)
            local = {"footage_file": str(twin.footage_file)} if twin.footage_file is not None else {}
            if twin.reroute_url:
                local["reroute_url"] = twin.reroute_url
            job = Job(key, JobKind.HEYGEN_AVATAR, "heygen", request, address, name=twin.name, expected_videos=0)
            self.add(replace(job, local=local))
        return key

    def avatar_id(self, provider: str, avatar_id: str | None, name: str | None) -> tuple[str, tuple[str, ...]]:
        if avatar_id is not None:
            return avatar_id, ()
        assert name is not None
        found = self.resolved.get(provider, {}).get(name)
        return (found, ()) if found else (f"name:{name}", (name,))

    def matching_cells(self, origin: str, where: Mapping[str, Scalar]) -> list[tuple[Cell, str]]:
        """The cells of group `origin` whose values equal all of `where`, via a (key, value) index."""
        cells = self.cells_by_group.get(origin, [])
        if not where:
            return cells
        index = self.cell_index.get(origin)
        if index is None:
            index = {}
            for position, (cell, _) in enumerate(cells):
                for name, value in cell.items():
                    index.setdefault((name, typed_key(value)), []).append(position)
            self.cell_index[origin] = index
        positions: set[int] | None = None
        for name, value in where.items():
            found = set(index.get((name, typed_key(value)), ()))
            positions = found if positions is None else positions & found
        return [cells[p] for p in sorted(positions or ())]

    def refresh(self, group: RefreshGroup) -> None:
        where = f"refresh[{group.index}]"
        sources: list[tuple[str, str, dict[str, Any], str]] = []  # (upload key, address stem, context, label)
        if group.source.url is not None:
            request = {"source": {"url": group.source.url}}
            upload = self.add(
                Job(
                    job_key("upload", "tiktok", request),
                    JobKind.UPLOAD,
                    "tiktok",
                    request,
                    (f"refresh.{group.id}.source",),
                )
            )
            sources.append((upload.key, f"refresh.{group.id}", {}, ""))
        else:
            origin = str(group.source.from_group)
            for cell, key in self.matching_cells(origin, group.source.where):
                request = {"source": {"job": key}}
                stem = f"refresh.{group.id}[{cell_label(cell)}]"
                upload = self.add(
                    Job(
                        job_key("upload", "tiktok", request),
                        JobKind.UPLOAD,
                        "tiktok",
                        request,
                        (f"{stem}.source",),
                        depends_on=(key,),
                        unresolved=self.jobs[key].unresolved,
                    )
                )
                sources.append(
                    (upload.key, stem, dict(cell), f"for {where}, source ({cell_label(cell).replace(',', ', ')})")
                )
        themes: tuple[str | None, ...] = (
            group.hook.holiday_themes if group.hook and group.hook.holiday_themes else (None,)
        )
        for upload_key, stem, cell, label in sources:
            for theme in themes:
                context = {**self.base, **cell, "holiday_theme": theme or ""}
                add_hook = self.hook(where, label, group, theme, context)
                if add_hook is False:
                    continue
                name = None
                if group.name is not None:
                    name = self.render(f"{where}.name", label, group.name, context)
                    if name is None:
                        continue
                    message = limits.name_characters(name) or limits.rename_name(name)
                    if message:
                        self.problem(f"{where}.name", label, message)
                        continue
                refresh_request: dict[str, Any] = {
                    "video": {"job": upload_key},
                    "video_refresh_strategy_list": list(group.strategies),
                    "add_hook": add_hook,
                }
                address = (
                    stem
                    if theme is None
                    else (
                        f"{stem[:-1]},holiday_theme={theme}]"
                        if stem.endswith("]")
                        else f"{stem}[holiday_theme={theme}]"
                    )
                )
                expected = facts.RECOMMENDED_HOOK_VIDEOS if group.hook and group.hook.type == "RECOMMENDED" else 1
                self.add(
                    Job(
                        job_key("refresh_video", "tiktok", refresh_request),
                        JobKind.REFRESH_VIDEO,
                        "tiktok",
                        refresh_request,
                        (address,),
                        name=name,
                        depends_on=(upload_key,),
                        expected_videos=expected,
                        unresolved=self.jobs[upload_key].unresolved,
                    )
                )

    def hook(
        self, where: str, label: str, group: RefreshGroup, theme: str | None, context: Mapping[str, Any]
    ) -> dict[str, str] | None | bool:
        hook = group.hook
        if hook is None:
            return None
        add_hook: dict[str, str] = {"hook_type": hook.type}
        if hook.product_category:
            add_hook["product_category"] = hook.product_category
        if hook.product_description is not None:
            at = f"{where}.hook.product_description"
            text = self.render(at, label, hook.product_description, context)
            if text is None:
                return False
            for message in limits.product_description(text):
                self.problem(at, label, message)
                return False
            add_hook["product_description"] = text
        if theme is not None:
            add_hook["holiday_theme"] = theme
        return add_hook


def _collapse(spec: Spec, problems: list[tuple[str, str, str]]) -> list[Problem]:
    """One problem per (place, message) even when many cells share it: name the first cell and count the rest."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for where, label, message in problems:
        grouped.setdefault((where, message), []).append(label)
    out = []
    for (where, message), labels in grouped.items():
        line, col = spec.locations.at(where)
        head = labels[0] + (f" and {len(labels) - 1} more" if len(labels) > 1 else "")
        out.append(Problem(str(spec.path), line, col, where, f"{head}: {message}" if head else message))
    return out


def _name_collisions(jobs: Mapping[str, Job]) -> list[str]:
    """Warnings for TikTok videos whose names look the same once cut to fit the `~tag`."""
    by_visible: dict[str, list[Job]] = {}
    for job in jobs.values():
        if job.kind == "avatar_video" and job.name is not None:
            by_visible.setdefault(visible_name(job.name), []).append(job)
    warnings = []
    for shown_as, same in sorted(by_visible.items()):
        if len(same) > 1:
            first = min(a for job in same for a in job.addresses)
            if any(len(job.name or "") > VISIBLE_NAME_CHARS for job in same):
                why = (
                    f"names are cut to {VISIBLE_NAME_CHARS} characters before the ~tag; make them differ near the start"
                )
            else:
                why = "give each video its own name"
            warnings.append(f"{len(same)} videos would show as {shown_as!r} in TikTok (e.g. {first}): {why}")
    return warnings


def build_graph(spec: Spec, resolved: Resolved | None = None) -> JobGraph:
    """Expand `spec` into jobs; raise SpecError with every rendered-value problem."""
    builder = _Builder(spec, resolved or {})
    for group in spec.videos:
        builder.videos(group)
    for refresh in spec.refresh:
        builder.refresh(refresh)
    if builder.problems:
        raise SpecError(_collapse(spec, builder.problems))
    jobs = builder.jobs
    order = tuple(sorted(jobs, key=lambda k: (kinds.kind(jobs[k].kind).level, k)))
    warnings = (*builder.warnings, *_name_collisions(jobs))
    return JobGraph(campaign=spec.campaign, jobs=jobs, order=order, warnings=warnings)


def load_checked(path: Path, display: str | None = None) -> Spec:
    """Load a campaign file; on any problem, also expand what is valid so that one run reports them all."""
    spec, problems = read_spec(path, display)
    if problems:
        if spec is not None:
            try:
                build_graph(spec)
            except SpecError as exc:
                problems = problems + exc.problems
        raise SpecError(problems)
    assert spec is not None
    return spec


def checked_graph(path: Path, resolved: Resolved | None = None) -> tuple[Spec, JobGraph]:
    """Load and expand a campaign file, with every problem of both steps in one SpecError."""
    spec = load_checked(path)
    return spec, build_graph(spec, resolved)


def iter_dependents(graph: JobGraph, key: str) -> Iterator[str]:
    """Every job that depends, directly or not, on `key`."""
    children: dict[str, list[str]] = {}
    for job in graph.jobs.values():
        for dep in job.depends_on:
            children.setdefault(dep, []).append(job.key)
    stack = list(children.get(key, []))
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children.get(current, []))
