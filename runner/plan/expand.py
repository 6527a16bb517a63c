"""Expand a Spec into the job graph: matrices, templates, limits, dedupe, refresh chains."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from runner import api_facts as facts
from runner.campaignfile import limits
from runner.campaignfile.compliance import with_disclosure
from runner.campaignfile.load import read_spec
from runner.campaignfile.model import AvatarRef, RefreshGroup, Spec, TwinDef, VideoGroup
from runner.campaignfile.templates import Renderer, RenderError, script_text
from runner.errors import Problem, SpecError
from runner.plan.cells import Cell, CellIndex, cell_label, default_name, described, matrix_cells
from runner.plan.job import Job, job_key
from runner.plan.model import JobGraph, SpokenCell
from runner.plan.requests import (
    Avatar,
    RefreshRequest,
    Request,
    TwinRequest,
    UploadRequest,
    for_job,
    video_request,
)
from runner.plan.rotation import group_periods, with_period
from runner.vocabulary import kinds
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.names import VISIBLE_NAME_CHARS, visible_name
from runner.vocabulary.providers import ProviderSpec, provider

Resolved = Mapping[str, Mapping[str, str]]


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


def key_of(kind: str, payload: Request) -> str:
    """The key a job of `kind` with this payload has (its kind's provider, the payload's canonical request)."""
    return job_key(kind, kinds.kind(kind).provider, payload.canonical())


def make_job(kind: str, payload: Request, addresses: tuple[str, ...], owner: str | None = None, **fields: Any) -> Job:
    """A job of `kind`, for its kind's provider, keyed by its payload's canonical request (named for campaign `owner`)."""
    maker = kinds.kind(kind).provider
    key = key_of(kind, payload)
    return Job(key, kind, maker, for_job(payload, key, fields.get("name"), owner), addresses, **fields)


def script_problems(script: str, spec: ProviderSpec) -> list[str]:
    """A rendered script checked against its provider's documented limits."""
    return limits.script(script, spec.title, spec.script_max_chars, emoji=spec.script_emoji)


class _Builder:
    def __init__(self, spec: Spec, resolved: Resolved, periods: Mapping[str, tuple[str, ...]]) -> None:
        self.spec = spec
        self.resolved = resolved
        self.periods = periods
        self.renderer = Renderer(spec)
        self.jobs: dict[str, Job] = {}
        self.warnings: list[str] = []
        self.problems: list[tuple[str, str, str]] = []  # (data path, cell label, message)
        self.base = {**spec.vars, "campaign": spec.campaign, "vars": spec.vars}
        self.cells_by_group: dict[str, CellIndex] = {}
        self.labelled: dict[str, tuple[tuple[str, Cell], ...]] = {}
        self.spoken: list[SpokenCell] = []
        self.checked_scripts: dict[tuple[str, str], list[str]] = {}
        self.script_places: dict[str, str] = {}  # script id -> its data path in messages

    def script_problems(self, script: str, maker: ProviderSpec) -> list[str]:
        """`script_problems`, once per rendered script and provider: many cells speak the same script."""
        found = self.checked_scripts.get((script, maker.name))
        if found is None:
            found = self.checked_scripts[(script, maker.name)] = script_problems(script, maker)
        return found

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
        merged = replace(
            existing,
            addresses=tuple(sorted({*existing.addresses, *job.addresses})),
            former_keys=tuple(sorted({*existing.former_keys, *job.former_keys})),
        )
        self.jobs[job.key] = merged
        return merged

    def videos(self, group: VideoGroup) -> None:
        made: list[tuple[Cell, str]] = []
        labelled: list[tuple[str, Cell]] = []
        for cell in matrix_cells(group):
            text = cell_label(cell)
            labelled.append((text, cell))
            job = self.video(group, cell, text)
            if job is not None:
                made.append((cell, job.key))
        self.cells_by_group[group.id] = CellIndex(made)
        self.labelled[group.id] = tuple(labelled)

    def video(self, group: VideoGroup, cell: Cell, text: str) -> Job | None:
        """The job of one cell (labelled `text`) of a video group; None (with problems recorded) when a rendered value is wrong."""
        where, label = f"videos[{group.index}]", f"for videos[{group.index}], cell ({text.replace(',', ', ')})"
        maker = provider(group.provider)
        script_def = self.spec.scripts[str(cell["script"])]
        script_at = self.script_places.get(script_def.id)
        if script_at is None:
            field = "text" if script_def.origin == "inline" else "template"
            script_at = self.script_places[script_def.id] = f"scripts.{script_def.id}.{field}"
        context = {**self.base, **cell}
        rendered = self.render(script_at, label, script_def.source, context)
        script = None if rendered is None else with_disclosure(self.spec.disclosure, script_text(rendered))
        ok = script is not None
        for message in self.script_problems(script, maker) if script is not None else ():
            self.problem(script_at, label, message)
            ok = False
        name: str | None = default_name(group.id, cell) if group.name is None else None
        if group.name is not None:
            name = self.render(f"{where}.name", label, group.name, context)
            ok = ok and name is not None
            for message in limits.video_name(name) if name is not None else ():
                self.problem(f"{where}.name", label, message)
                ok = False
        if not ok or script is None or maker.video_kind is None:
            return None
        avatar = self.avatar(self.spec.avatars[str(cell["avatar"])])
        if avatar is None:
            return None
        reference, depends_on, unresolved = avatar
        kind = maker.video_kind
        request = video_request(kind, reference, script, group.options)
        address = (f"videos.{group.id}[{text}]",)
        evidence = (*group.evidence, str(cell["evidence"])) if "evidence" in cell else group.evidence
        self.spoken.append(SpokenCell(group.index, script_def.id, address[0], script, evidence))
        assert rendered is not None
        former = with_disclosure(self.spec.disclosure, rendered)
        formerly = (key_of(kind, video_request(kind, reference, former, group.options)),) if former != script else ()
        return self.add(
            make_job(
                kind,
                request,
                address,
                self.spec.campaign,
                name=name,
                depends_on=depends_on,
                unresolved=unresolved,
                former_keys=formerly,
            )
        )

    def avatar(self, ref: AvatarRef) -> tuple[Avatar, tuple[str, ...], tuple[str, ...]] | None:
        """(the avatar, the jobs it waits for, its names not resolved yet); None for a twin no kind can make."""
        if ref.twin is not None:
            twin_key = self.twin(ref, ref.twin)
            return None if twin_key is None else (Avatar(twin_job=twin_key), (twin_key,), ())
        if ref.id is not None:
            return Avatar(ref.id), (), ()
        assert ref.name is not None
        found = self.resolved.get(ref.provider, {}).get(ref.name)
        return (Avatar(found), (), ()) if found else (Avatar(f"name:{ref.name}"), (), (ref.name,))

    def twin(self, ref: AvatarRef, twin: TwinDef) -> str | None:
        """The digital twin's job (once per alias): keyed by its footage and group, never by its name."""
        kind = next((k for k in kinds.twin_kinds() if k.provider == ref.provider), None)
        if kind is None:  # the campaign file's check has said so
            return None
        request = TwinRequest(twin.group, twin.footage_url, twin.footage_sha256)
        job = make_job(kind.name, request, (f"avatars.{ref.alias}",), name=twin.name, expected_videos=0)
        if job.key not in self.jobs:
            local = {"footage_file": str(twin.footage_file)} if twin.footage_file is not None else {}
            if twin.reroute_url:
                local["reroute_url"] = twin.reroute_url
            if twin.consent_notify:
                local["consent_notify"] = "\n".join(twin.consent_notify)
            self.add(replace(job, local=local))
        return job.key

    def refresh(self, group: RefreshGroup) -> None:
        themes: tuple[str | None, ...] = (
            group.hook.holiday_themes if group.hook and group.hook.holiday_themes else (None,)
        )
        periods: tuple[str | None, ...] = self.periods.get(group.id) or (None,)
        for upload_key, stem, cell, label in self.sources(group):
            for theme in themes:
                for period in periods:
                    self.refresh_job(group, upload_key, stem, cell, label, theme, period)

    def sources(self, group: RefreshGroup) -> list[tuple[str, str, dict[str, Any], str]]:
        """The uploads a refresh group starts from: (upload key, address stem, template context, label)."""
        if group.source.url is not None:
            upload = self.add(
                make_job(JobKind.UPLOAD, UploadRequest(group.source.url, None), (f"refresh.{group.id}.source",))
            )
            return [(upload.key, f"refresh.{group.id}", {}, "")]
        sources = []
        index = self.cells_by_group.get(str(group.source.from_group))
        for cell, key in index.matching(group.source.where) if index is not None else ():
            stem = f"refresh.{group.id}[{cell_label(cell)}]"
            request = UploadRequest(None, key)
            source = self.jobs[key]
            formerly = tuple(key_of(JobKind.UPLOAD, UploadRequest(None, old)) for old in source.former_keys)
            upload = self.add(
                make_job(
                    JobKind.UPLOAD,
                    request,
                    (f"{stem}.source",),
                    depends_on=(key,),
                    unresolved=source.unresolved,
                    former_keys=formerly,
                )
            )
            sources.append((upload.key, stem, dict(cell), f"for refresh[{group.index}], source ({described(cell)})"))
        return sources

    def refresh_job(
        self,
        group: RefreshGroup,
        upload_key: str,
        stem: str,
        cell: Mapping[str, Any],
        label: str,
        theme: str | None,
        period: str | None = None,
    ) -> None:
        """One refresh of one source (one holiday theme, one rotation period); nothing, with problems recorded, when a value is wrong."""
        where = f"refresh[{group.index}]"
        context = {**self.base, **cell, "holiday_theme": theme or ""}
        add_hook, ok = self.hook(where, label, group, theme, context)
        if not ok:
            return
        name = None
        if group.name is not None:
            name = self.render(f"{where}.name", label, group.name, context)
            if name is None:
                return
            message = limits.name_characters(name) or limits.rename_name(name)
            if message:
                self.problem(f"{where}.name", label, message)
                return
        request = RefreshRequest(upload_key, group.strategies, add_hook, period)
        if theme is None:
            address = stem
        elif stem.endswith("]"):
            address = f"{stem[:-1]},holiday_theme={theme}]"
        else:
            address = f"{stem}[holiday_theme={theme}]"
        address = with_period(address, period)
        expected = facts.RECOMMENDED_HOOK_VIDEOS if group.hook and group.hook.type == "RECOMMENDED" else 1
        upload = self.jobs[upload_key]
        formerly = tuple(key_of(JobKind.REFRESH_VIDEO, replace(request, upload_job=old)) for old in upload.former_keys)
        self.add(
            make_job(
                JobKind.REFRESH_VIDEO,
                request,
                (address,),
                name=name,
                depends_on=(upload_key,),
                expected_videos=expected,
                unresolved=upload.unresolved,
                former_keys=formerly,
            )
        )

    def hook(
        self, where: str, label: str, group: RefreshGroup, theme: str | None, context: Mapping[str, Any]
    ) -> tuple[dict[str, str] | None, bool]:
        """The `add_hook` of one refresh, and False when a rendered value of it is wrong."""
        hook = group.hook
        if hook is None:
            return None, True
        add_hook: dict[str, str] = {"hook_type": hook.type}
        if hook.product_category:
            add_hook["product_category"] = hook.product_category
        if hook.product_description is not None:
            at = f"{where}.hook.product_description"
            text = self.render(at, label, hook.product_description, context)
            if text is None:
                return None, False
            for message in limits.product_description(text):
                self.problem(at, label, message)
                return None, False
            add_hook["product_description"] = text
        if theme is not None:
            add_hook["holiday_theme"] = theme
        return add_hook, True


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
    """Warnings for videos whose names carry the `~tag` and look the same once cut to fit it."""
    by_visible: dict[str, list[Job]] = {}
    for job in jobs.values():
        spec = kinds.kind(job.kind)
        if spec.tagged_name and spec.makes_videos and job.name is not None:
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
            where = provider(same[0].provider).title
            warnings.append(f"{len(same)} videos would show as {shown_as!r} in {where} (e.g. {first}): {why}")
    return warnings


def build_graph(
    spec: Spec, resolved: Resolved | None = None, periods: Mapping[str, tuple[str, ...]] | None = None
) -> JobGraph:
    """Expand `spec` into jobs (rotating refresh groups over `periods`); raise SpecError with every rendered-value problem."""
    if periods is None:
        periods = group_periods(spec, time.time(), {})
    builder = _Builder(spec, resolved or {}, periods)
    for group in spec.videos:
        builder.videos(group)
    for refresh in spec.refresh:
        builder.refresh(refresh)
    if builder.problems:
        raise SpecError(_collapse(spec, builder.problems))
    jobs = builder.jobs
    order = tuple(sorted(jobs, key=lambda k: (kinds.kind(jobs[k].kind).level, k)))
    warnings = (*builder.warnings, *_name_collisions(jobs))
    return JobGraph(
        campaign=spec.campaign,
        jobs=jobs,
        order=order,
        warnings=warnings,
        spoken=tuple(builder.spoken),
        cells=builder.labelled,
    )


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
