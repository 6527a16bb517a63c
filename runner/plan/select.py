"""Selectors (`--target`, `--exclude`, `--replace`, `--sample`): which jobs of a plan to act on."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from runner.campaignfile.model import RefreshGroup, Scalar, Spec
from runner.campaignfile.values import kind_name as type_name
from runner.campaignfile.values import same_value, scalar_from_text
from runner.errors import CampaignError
from runner.plan.cells import cell_label, matrix_cells
from runner.plan.model import JobGraph
from runner.plan.rotation import split_period

_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class SelectorError(CampaignError):
    """A selector that does not parse or names nothing in the campaign."""


def typed_scalar(text: str) -> Scalar:
    """Read an unquoted selector value as the campaign file's YAML 1.2 core rules do."""
    value = scalar_from_text(text)
    return text if value is None else value


def shown(value: Scalar) -> str:
    """A value as a selector would spell it, with its YAML type when that is not obvious."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        plain = typed_scalar(value) == value and not re.search(r'[\s,\[\]"=]', value)
        return value if plain else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


@dataclass(frozen=True, slots=True)
class Selector:
    """`GROUP` or `GROUP[KEY=VALUE,...]`: every pair must match (AND)."""

    text: str
    group: str
    pairs: tuple[tuple[str, Scalar], ...]


def parse_selector(text: str, flag: str = "--target") -> Selector:
    """Parse one selector; SelectorError says what is wrong and how to write it."""
    hint = (
        f"; write {flag} GROUP or {flag} 'GROUP[KEY=VALUE,...]' (double-quote values with spaces, commas or brackets)"
    )
    head, bracket, rest = text.partition("[")
    group = head.strip()
    if not _GROUP.match(group):
        raise SelectorError(f"{flag} {text!r}: {group!r} is not a group id{hint}")
    if not bracket:
        return Selector(text, group, ())
    if not rest.endswith("]"):
        raise SelectorError(f"{flag} {text!r}: missing the closing ']'{hint}")
    return Selector(text, group, tuple(_pairs(rest[:-1], text, flag, hint)))


def _pairs(body: str, text: str, flag: str, hint: str) -> Iterable[tuple[str, Scalar]]:
    position = 0
    while True:
        match = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*").match(body, position)
        if match is None:
            raise SelectorError(f"{flag} {text!r}: expected KEY=VALUE at {body[position:]!r}{hint}")
        key, position = match.group(1), match.end()
        value: Scalar
        if body[position : position + 1] == '"':
            quoted = re.compile(r'"((?:[^"\\]|\\.)*)"\s*').match(body, position)
            if quoted is None:
                raise SelectorError(f"{flag} {text!r}: unterminated quoted value{hint}")
            value, position = re.sub(r"\\(.)", r"\1", quoted.group(1)), quoted.end()
        else:
            bare = re.compile(r'([^,\[\]"]*)').match(body, position)
            assert bare is not None
            raw = bare.group(1).strip()
            if not raw:
                raise SelectorError(f"{flag} {text!r}: {key} has no value{hint}")
            value, position = typed_scalar(raw), bare.end()
        yield key, value
        if position == len(body):
            return
        if body[position] != ",":
            raise SelectorError(f"{flag} {text!r}: unexpected {body[position]!r}{hint}")
        position += 1


Position = tuple[int, ...]
LAST: Position = (9,)


@dataclass(frozen=True, slots=True)
class Place:
    """Where an address sits in the campaign file: its group, its typed cell and its file-order position."""

    group: str
    cell: Mapping[str, Scalar]
    position: Position


def places(
    spec: Spec,
    addresses: Iterable[str],
    labelled: Mapping[str, Sequence[tuple[str, Mapping[str, Scalar]]]] | None = None,
) -> dict[str, Place]:
    """The group, typed cell and file-order position of each address a job graph holds (unknown ones left out).

    `labelled`: the graph's cells with their labels (`JobGraph.cells`), so the matrices are not expanded again.
    """
    cells: dict[str, dict[str, tuple[int, Mapping[str, Scalar]]]] = {}
    for group in spec.videos:
        known = labelled.get(group.id) if labelled is not None else None
        pairs = known if known is not None else [(cell_label(cell), cell) for cell in matrix_cells(group)]
        cells[group.id] = {label: (i, cell) for i, (label, cell) in enumerate(pairs)}
    refresh = {r.id: r for r in spec.refresh}
    video_index = {g.id: g.index for g in spec.videos}
    avatar_index = {alias: i for i, alias in enumerate(spec.avatars)}
    found: dict[str, Place] = {}
    for address in addresses:
        section, _, rest = address.partition(".")
        if section == "avatars" and rest in avatar_index:  # a digital twin: declared before the videos
            found[address] = Place(rest, {}, (-1, avatar_index[rest], 0))
            continue
        group_id, bracket, label = rest.partition("[")
        if section == "videos" and bracket and group_id in cells:
            hit = cells[group_id].get(label[:-1])
            if hit is not None:
                found[address] = Place(group_id, hit[1], (0, video_index[group_id], hit[0]))
        elif section == "refresh":
            place = _refresh_place(address, rest, refresh, cells)
            if place is not None:
                found[address] = place
    return found


def in_file_order(spec: Spec, jobs: Mapping[str, Sequence[str]]) -> list[str]:
    """Job keys (key -> addresses) in the campaign file's order by each one's first address; the rest last, by key."""
    known = places(spec, (a for addresses in jobs.values() for a in addresses))

    def position(key: str) -> tuple[int, Position, str]:
        found = [known[a].position for a in jobs[key] if a in known]
        return (0, min(found), key) if found else (1, (), key)

    return sorted(jobs, key=position)


def _refresh_place(
    address: str,
    rest: str,
    refresh: Mapping[str, RefreshGroup],
    cells: Mapping[str, Mapping[str, tuple[int, Mapping[str, Scalar]]]],
) -> Place | None:
    source = rest.endswith(".source")
    body = rest[: -len(".source")] if source else rest
    group_id, bracket, label = body.partition("[")
    if not bracket:
        group_id, _, _ = body.partition(".")
    group = refresh.get(group_id)
    if group is None:
        return None
    label, period = split_period(label[:-1] if bracket else "")
    themes = group.hook.holiday_themes if group.hook and group.hook.holiday_themes else ()
    theme_at, cell_label_text = -1, label
    if themes and not source:
        for i, theme in enumerate(themes):
            suffix = f"holiday_theme={theme}"
            if label == suffix or label.endswith("," + suffix):
                theme_at, cell_label_text = i, label[: -len(suffix)].rstrip(",")
                break
        else:
            return None
    cell: dict[str, Scalar] = {}
    cell_at = 0
    if group.source.from_group is not None:
        hit = cells.get(str(group.source.from_group), {}).get(cell_label_text)
        if hit is None:
            return None
        cell_at, cell = hit[0], dict(hit[1])
    elif cell_label_text:
        return None
    if theme_at >= 0:
        cell["holiday_theme"] = themes[theme_at]
    if period is not None:
        cell["period"] = period
    return Place(group_id, cell, (1, group.index, cell_at, 0 if source else 1, theme_at))


def _matches(selector: Selector, place: Place) -> bool:
    if place.group != selector.group:
        return False
    return all(key in place.cell and same_value(place.cell[key], value) for key, value in selector.pairs)


def check_selector(selector: Selector, spec: Spec, known: Mapping[str, Place], flag: str) -> None:
    """Refuse a selector naming an unknown group, key or value, with a did-you-mean."""
    groups = [g.id for g in spec.videos] + [r.id for r in spec.refresh]
    if selector.group not in groups:
        raise SelectorError(
            f"{flag} {selector.text!r}: no video group or refresh id {selector.group!r}{_suggest(selector.group, groups)}"
            f" (groups: {', '.join(groups) or 'none'})"
        )
    in_group = [p for p in known.values() if p.group == selector.group]
    keys = list(dict.fromkeys(k for p in in_group for k in p.cell))
    for key, value in selector.pairs:
        if key not in keys:
            raise SelectorError(
                f"{flag} {selector.text!r}: {selector.group} has no key {key!r}{_suggest(key, keys)}"
                f" (keys: {', '.join(keys) or 'none'})"
            )
        values = list(dict.fromkeys((type_name(p.cell[key]), p.cell[key]) for p in in_group if key in p.cell))
        if not any(same_value(v, value) for _, v in values):
            spelled = [shown(v) for _, v in values]
            same_text = [f"{shown(v)} ({t})" for t, v in values if str(v) == str(value)]
            near = (
                f"; did you mean {same_text[0]}? {shown(value)} reads as {type_name(value)}"
                if same_text
                else _suggest(shown(value), spelled)
            )
            raise SelectorError(
                f"{flag} {selector.text!r}: no {key}={shown(value)} in {selector.group}{near} (values: {', '.join(spelled)})"
            )


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


@dataclass(frozen=True, slots=True)
class Selection:
    """What the user selected on the command line; empty means the whole campaign."""

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    sample: int | None = None

    @property
    def partial(self) -> bool:
        """True when some jobs of the campaign are left out of the plan."""
        return bool(self.targets or self.excludes or self.sample is not None)

    def flags(self) -> tuple[str, ...]:
        """The selection as command-line flags, for banners and saved plans."""
        return (
            *(f"--target {t}" for t in self.targets),
            *(f"--exclude {e}" for e in self.excludes),
            *(f"--replace {r}" for r in self.replaces),
            *((f"--sample {self.sample}",) if self.sample is not None else ()),
        )

    def to_data(self) -> dict[str, object]:
        """Plain data for a saved plan."""
        return {
            "targets": list(self.targets),
            "excludes": list(self.excludes),
            "replaces": list(self.replaces),
            "sample": self.sample,
        }

    @classmethod
    def from_data(cls, data: object) -> Selection:
        """Read back what `to_data` wrote (an empty selection for older plans)."""
        if not isinstance(data, dict):
            return cls()
        sample = data.get("sample")
        return cls(
            tuple(map(str, data.get("targets", []))),
            tuple(map(str, data.get("excludes", []))),
            tuple(map(str, data.get("replaces", []))),
            sample if isinstance(sample, int) else None,
        )


@dataclass(frozen=True, slots=True)
class Chosen:
    """The outcome of a selection over a graph: the keys to act on, and the keys to re-render with why."""

    keys: frozenset[str]
    replace: Mapping[str, str]
    named: frozenset[str] = frozenset()  # the jobs the selectors name themselves: no dependencies, no dependents


def choose(selection: Selection, spec: Spec, graph: JobGraph) -> Chosen:
    """Resolve a selection against the job graph: targets (+ dependencies), minus excludes (+ dependents)."""
    known = places(spec, (a for job in graph.jobs.values() for a in job.addresses), graph.cells)
    parsed = {
        flag: [parse_selector(text, flag) for text in texts]
        for flag, texts in (
            ("--target", selection.targets),
            ("--exclude", selection.excludes),
            ("--replace", selection.replaces),
        )
    }
    for flag, selectors in parsed.items():
        for selector in selectors:
            check_selector(selector, spec, known, flag)

    def matched(selectors: list[Selector]) -> set[str]:
        return {
            job.key
            for job in graph.jobs.values()
            if any(a in known and _matches(s, known[a]) for a in job.addresses for s in selectors)
        }

    keys = set(graph.jobs)
    if selection.targets:
        keys = matched(parsed["--target"])
    excluded = matched(parsed["--exclude"])
    named = frozenset(keys - excluded)
    if selection.sample is not None:
        keys = _sampled(graph, known, selection.sample, keys)
    replace = {key: f"--replace {s.text}" for s in parsed["--replace"] for key in matched([s])}
    keys |= set(replace)
    keys = _with_dependencies(graph, keys)
    keys -= _with_dependents(graph, excluded)
    return Chosen(frozenset(keys), {k: v for k, v in replace.items() if k in keys}, named)


def _sampled(graph: JobGraph, known: Mapping[str, Place], n: int, among: set[str]) -> set[str]:
    """The jobs at the first `n` cells (in file order) of each group among `among`; a refresh's upload is not a cell."""

    def ident(place: Place) -> tuple[str, tuple[tuple[str, str], ...]]:
        return place.group, tuple((k, repr(v)) for k, v in place.cell.items())

    made = {a for key in among for a in graph.jobs[key].addresses if a in known and not a.endswith(".source")}
    firsts: dict[str, list[tuple[str, tuple[tuple[str, str], ...]]]] = {}
    for address in sorted(made, key=lambda a: known[a].position):
        seen = firsts.setdefault(known[address].group, [])
        if len(seen) < n and ident(known[address]) not in seen:
            seen.append(ident(known[address]))
    chosen = {cell for cells in firsts.values() for cell in cells}
    return {key for key in among if any(a in made and ident(known[a]) in chosen for a in graph.jobs[key].addresses)}


def _with_dependencies(graph: JobGraph, keys: set[str]) -> set[str]:
    out, stack = set(), list(keys)
    while stack:
        key = stack.pop()
        if key in out or key not in graph.jobs:
            continue
        out.add(key)
        stack.extend(graph.jobs[key].depends_on)
    return out


def _with_dependents(graph: JobGraph, keys: set[str]) -> set[str]:
    children: dict[str, list[str]] = {}
    for job in graph.jobs.values():
        for dep in job.depends_on:
            children.setdefault(dep, []).append(job.key)
    out, stack = set(), list(keys)
    while stack:
        key = stack.pop()
        if key not in out:
            out.add(key)
            stack.extend(children.get(key, []))
    return out
