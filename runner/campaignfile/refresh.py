"""Checks of the refresh groups: their source, strategies and hook, and the jobs the whole file expands to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.campaignfile import limits
from runner.campaignfile.checker import Checker, present
from runner.campaignfile.model import HookDef, RefreshGroup, RefreshSource, VideoGroup
from runner.campaignfile.templates import did_you_mean
from runner.campaignfile.values import typed_key, value_mismatch


def check_refresh(
    checker: Checker, index: int, group: Mapping[str, Any], videos: tuple[VideoGroup, ...]
) -> RefreshGroup:
    """A refresh group; problems for a wrong source, strategies, hook or name template."""
    where = f"refresh[{index}]"
    source = group["source"]
    where_values: dict[str, Any] = dict(source.get("where") or {})
    if "url" in source:
        message = limits.source_url(source["url"])
        if message:
            checker.problem(f"{where}.source.url", message)
        if "where" in source:
            checker.problem(
                f"{where}.source.where", "`where` filters the videos of a `from` group; it has no meaning with `url`"
            )
    else:
        _check_origin(checker, where, source, videos)
    strategies = tuple(s for _, s in present(group["strategies"]))
    message = limits.strategies(strategies)
    if message and not checker.pruned(f"{where}.strategies"):
        checker.problem(f"{where}.strategies", message)
    hook = check_hook(checker, where, group.get("hook"), strategies)
    name = group.get("name")
    if name is not None and not checker.template(f"{where}.name", name):
        name = None
    return RefreshGroup(
        id=group["id"],
        index=index,
        source=RefreshSource(source.get("url"), source.get("from"), where_values),
        strategies=tuple(sorted(strategies)),
        hook=hook,
        name=name,
    )


def _check_origin(checker: Checker, where: str, source: Mapping[str, Any], videos: tuple[VideoGroup, ...]) -> None:
    """A `from` source: a video group of the file, filtered by keys and values it has."""
    by_id = {v.id: v for v in videos}
    origin = by_id.get(source["from"])
    if origin is None:
        if source["from"] not in checker.broken_groups:
            checker.problem(
                f"{where}.source.from", f"'{source['from']}' is not a video group" + did_you_mean(source["from"], by_id)
            )
        return
    known: dict[str, tuple[Any, ...]] = {"avatar": origin.avatars, "script": origin.scripts, **dict(origin.matrix)}
    for key, value in (source.get("where") or {}).items():
        if key not in known:
            checker.problem(
                f"{where}.source.where.{key}",
                f"'{key}' is not avatar, script or an axis of group '{origin.id}'" + did_you_mean(key, known),
            )
        elif not checker.typed_values(known[key])[typed_key(value)]:
            checker.problem(
                f"{where}.source.where.{key}", value_mismatch(value, key, f"in group '{origin.id}'", known[key])
            )


def check_hook(
    checker: Checker, where: str, hook: Mapping[str, Any] | None, strategies: tuple[str, ...]
) -> HookDef | None:
    """The hook of an ADD_HOOK refresh; problems when it is missing, incomplete or without ADD_HOOK."""
    if checker.pruned(f"{where}.hook") or checker.pruned(f"{where}.strategies"):
        return None
    if "ADD_HOOK" not in strategies:
        if hook is not None:
            checker.problem(
                f"{where}.hook", "a hook needs the ADD_HOOK strategy; add it to strategies or remove the hook"
            )
        return None
    if hook is None:
        checker.problem(where, "ADD_HOOK needs a `hook` with a type and a product_category")
        return None
    if "product_category" not in hook:
        checker.problem(f"{where}.hook", "ADD_HOOK needs a product_category")
    themes = tuple(t for _, t in present(hook.get("holiday_themes")))
    if hook["type"] == "HOLIDAY" and not themes:
        checker.problem(f"{where}.hook", "a HOLIDAY hook needs at least one holiday theme in holiday_themes")
    if themes and hook["type"] != "HOLIDAY":
        checker.problem(
            f"{where}.hook.holiday_themes", f"holiday_themes apply to HOLIDAY hooks only, not {hook['type']}"
        )
    description = hook.get("product_description")
    if description is not None and not checker.template(f"{where}.hook.product_description", description):
        description = None
    return HookDef(hook["type"], hook.get("product_category"), description, themes)


def _matching_cells(checker: Checker, origin: str, where: Mapping[str, Any]) -> int:
    """Cells of group `origin` that `where` selects, counted from the axes (an upper bound with excludes)."""
    axes = checker.group_axes.get(origin)
    if axes is None:
        return 0
    total = checker.group_sizes.get(origin, 0)
    for key, value in where.items():
        values = axes.get(key, ())
        if values:
            total = total * checker.typed_values(values)[typed_key(value)] // len(values) + 1
    return total


def check_job_count(checker: Checker, refresh: tuple[RefreshGroup, ...]) -> None:
    """Refuse a file whose jobs would pass `limits.jobs`, counted from group sizes before expanding."""
    total = sum(size for group, size in checker.group_sizes.items() if group not in checker.oversized)
    for group in refresh:
        themes = len(group.hook.holiday_themes) if group.hook and group.hook.holiday_themes else 1
        sources = (
            1
            if group.source.url is not None
            else _matching_cells(checker, str(group.source.from_group), group.source.where)
        )
        total += sources * (1 + themes)
    if total > checker.limits.jobs:
        checker.problem(
            "videos" if "videos" in checker.data else "refresh",
            f"the file expands to up to {total:,} jobs; the limit is {checker.limits.jobs:,} (raise `limits.jobs` if that is intended)",
        )
        checker.oversized = checker.oversized | set(checker.group_sizes)
