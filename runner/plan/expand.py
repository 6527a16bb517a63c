"""Expand a Spec into the job graph: matrices, templates, limits, dedupe, refresh chains."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any, Iterator, Mapping

from runner import api_facts as facts
from runner.errors import Problem, SpecError
from runner.execute.states import JobKind
from runner.plan.job import Job, job_key
from runner.plan.model import JobGraph
from runner.spec import limits
from runner.spec.model import RefreshGroup, Scalar, Spec, VideoGroup
from runner.spec.templates import Renderer, RenderError

Cell = dict[str, Scalar]
Resolved = Mapping[str, Mapping[str, str]]
_LEVEL = {"avatar_video": 0, "heygen_video": 0, "upload": 1, "refresh_video": 2}


def matrix_cells(group: VideoGroup) -> list[Cell]:
    """Every cell of a group: avatars x scripts x axes, minus `exclude`, plus `include`."""
    axes = [("avatar", group.avatars), ("script", group.scripts), *group.matrix]
    names = [name for name, _ in axes]
    cells = [dict(zip(names, values)) for values in itertools.product(*(values for _, values in axes))]
    cells = [c for c in cells if not any(all(c.get(k) == v for k, v in ex.items()) for ex in group.exclude)]
    for extra in group.include:
        cell = {name: extra[name] for name in names if name in extra}
        if cell not in cells:
            cells.append(cell)
    return cells


def cell_label(cell: Mapping[str, Scalar]) -> str:
    """`avatar=tom,script=story,product=City Boot`: the stable, readable form of a cell."""
    return ",".join(f"{k}={v}" for k, v in cell.items())


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
        self.problems: list[Problem] = []
        self.base = {**spec.vars, "campaign": spec.campaign, "vars": spec.vars}
        self.cells_by_group: dict[str, list[tuple[Cell, str]]] = {}
        self.cell_index: dict[str, dict[tuple[str, Scalar], list[int]]] = {}

    def problem(self, where: str, message: str) -> None:
        line, col = self.spec.locations.at(where)
        self.problems.append(Problem(str(self.spec.path), line, col, where, message))

    def render(self, where: str, label: str, source: str, context: Mapping[str, Any]) -> str | None:
        try:
            return self.renderer.render(source, context)
        except RenderError as exc:
            self.problem(where, f"{label}{exc}")
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
        for cell in matrix_cells(group):
            label = f"cell ({cell_label(cell).replace(',', ', ')}): "
            ref = self.spec.avatars[str(cell["avatar"])]
            script_def = self.spec.scripts[str(cell["script"])]
            context = {**self.base, **cell}
            script = self.render(where, label, script_def.source, context)
            if script is None:
                continue
            check = limits.heygen_script if group.provider == "heygen" else limits.tiktok_script
            message = check(script)
            if message:
                self.problem(where, label + message)
                continue
            if group.name is not None:
                name = self.render(where, label, group.name, context)
                if name is None:
                    continue
                message = limits.video_name(name)
                if message:
                    self.problem(where, label + message)
                    continue
            else:
                name = "-".join([self.spec.campaign, group.id, *(str(v) for v in cell.values())])
            avatar_id, unresolved = self.avatar_id(ref.provider, ref.id, ref.name)
            request: dict[str, Any] = {"avatar_id": avatar_id, "script": script}
            kind = JobKind.AVATAR_VIDEO
            if group.provider == "heygen":
                kind = JobKind.HEYGEN_VIDEO
                request.update(voice_id=group.voice, aspect_ratio=group.aspect_ratio)
            address = f"videos.{group.id}[{cell_label(cell)}]"
            job = self.add(Job(job_key(kind, group.provider, request), kind, group.provider, request,
                               (address,), name=name, unresolved=unresolved))
            made.append((cell, job.key))
        self.cells_by_group[group.id] = made

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
                for item in cell.items():
                    index.setdefault(item, []).append(position)
            self.cell_index[origin] = index
        positions: set[int] | None = None
        for item in where.items():
            found = set(index.get(item, ()))
            positions = found if positions is None else positions & found
        return [cells[p] for p in sorted(positions or ())]

    def refresh(self, group: RefreshGroup) -> None:
        where = f"refresh[{group.index}]"
        sources: list[tuple[str, str, dict[str, Any], str]] = []  # (upload key, address stem, context, label)
        if group.source.url is not None:
            request = {"source": {"url": group.source.url}}
            upload = self.add(Job(job_key("upload", "tiktok", request), JobKind.UPLOAD, "tiktok", request, (f"refresh.{group.id}.source",)))
            sources.append((upload.key, f"refresh.{group.id}", {}, ""))
        else:
            origin = str(group.source.from_group)
            for cell, key in self.matching_cells(origin, group.source.where):
                request = {"source": {"job": key}}
                stem = f"refresh.{group.id}[{cell_label(cell)}]"
                upload = self.add(Job(job_key("upload", "tiktok", request), JobKind.UPLOAD, "tiktok", request,
                                      (f"{stem}.source",), depends_on=(key,), unresolved=self.jobs[key].unresolved))
                sources.append((upload.key, stem, dict(cell), f"source ({cell_label(cell).replace(',', ', ')}): "))
        themes: tuple[str | None, ...] = group.hook.holiday_themes if group.hook and group.hook.holiday_themes else (None,)
        for upload_key, stem, cell, label in sources:
            for theme in themes:
                context = {**self.base, **cell, "holiday_theme": theme or ""}
                add_hook = self.hook(where, label, group, theme, context)
                if add_hook is False:
                    continue
                name = None
                if group.name is not None:
                    name = self.render(where, label, group.name, context)
                    if name is None:
                        continue
                refresh_request: dict[str, Any] = {"video": {"job": upload_key}, "video_refresh_strategy_list": list(group.strategies), "add_hook": add_hook}
                address = stem if theme is None else (f"{stem[:-1]},holiday_theme={theme}]" if stem.endswith("]") else f"{stem}[holiday_theme={theme}]")
                expected = facts.RECOMMENDED_HOOK_VIDEOS if group.hook and group.hook.type == "RECOMMENDED" else 1
                self.add(Job(job_key("refresh_video", "tiktok", refresh_request), JobKind.REFRESH_VIDEO, "tiktok", refresh_request, (address,),
                             name=name, depends_on=(upload_key,), expected_videos=expected,
                             unresolved=self.jobs[upload_key].unresolved))

    def hook(self, where: str, label: str, group: RefreshGroup, theme: str | None, context: Mapping[str, Any]) -> dict[str, str] | None | bool:
        hook = group.hook
        if hook is None:
            return None
        add_hook: dict[str, str] = {"hook_type": hook.type}
        if hook.product_category:
            add_hook["product_category"] = hook.product_category
        if hook.product_description is not None:
            text = self.render(where, label, hook.product_description, context)
            if text is None:
                return False
            message = limits.product_description(text)
            if message:
                self.problem(where, label + message)
                return False
            add_hook["product_description"] = text
        if theme is not None:
            add_hook["holiday_theme"] = theme
        return add_hook


def _collapse(problems: list[Problem]) -> list[Problem]:
    """One problem per (place, message) even when many cells share it: name the first cell."""
    grouped: dict[tuple[str, int, str], list[Problem]] = {}
    for problem in problems:
        head, sep, rest = problem.message.partition("): ")
        key = (problem.path, problem.line, rest if sep else problem.message)
        grouped.setdefault(key, []).append(problem)
    out = []
    for same in grouped.values():
        first = same[0]
        if len(same) > 1:
            head, _, rest = first.message.partition("): ")
            first = replace(first, message=f"{head}) and {len(same) - 1} more: {rest}")
        out.append(first)
    return out


def build_graph(spec: Spec, resolved: Resolved | None = None) -> JobGraph:
    """Expand `spec` into jobs; raise SpecError with every rendered-value problem."""
    builder = _Builder(spec, resolved or {})
    for group in spec.videos:
        builder.videos(group)
    for refresh in spec.refresh:
        builder.refresh(refresh)
    if builder.problems:
        raise SpecError(_collapse(builder.problems))
    jobs = builder.jobs
    order = tuple(sorted(jobs, key=lambda k: (_LEVEL[jobs[k].kind], k)))
    return JobGraph(campaign=spec.campaign, jobs=jobs, order=order, warnings=tuple(builder.warnings))


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
