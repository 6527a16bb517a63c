"""Load a campaign file: YAML with locations, schema, references, templates -> Spec."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.campaignfile.checker import Checker, present
from runner.campaignfile.compliance import disclosure_settings, evidence_block, policy_settings
from runner.campaignfile.gates import approval_rules, check_spend_cap, rollout_settings
from runner.campaignfile.lifecycle import lifecycles
from runner.campaignfile.model import (
    ApplySettings,
    AvatarRef,
    BudgetSettings,
    Prices,
    ScriptDef,
    SourceMap,
    Spec,
)
from runner.campaignfile.refresh import check_job_count, check_refresh
from runner.campaignfile.schema import schema_problems, without_invalid
from runner.campaignfile.templates import TemplateProblem, check_template
from runner.campaignfile.videos import check_twin, check_video
from runner.campaignfile.yaml_source import child_path, load_yaml
from runner.errors import Problem, SpecError
from runner.vocabulary.providers import default_provider


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


class _Checker(Checker):
    """The whole document: its avatars, scripts and groups, built into a Spec."""

    def build(self) -> Spec:
        data = self.data
        provider = data.get("provider", default_provider())
        avatars = {
            alias: AvatarRef(
                alias,
                ref.get("provider", provider),
                ref.get("id"),
                ref.get("name"),
                check_twin(self, alias, ref, provider),
            )
            for alias, ref in (data.get("avatars") or {}).items()
        }
        scripts = {
            sid: script for sid, ref in (data.get("scripts") or {}).items() if (script := self._script(sid, ref))
        }
        videos = tuple(check_video(self, i, g, provider, avatars, scripts) for i, g in present(data.get("videos")))
        self._unique_ids()
        refresh = tuple(check_refresh(self, i, g, videos) for i, g in present(data.get("refresh")))
        check_job_count(self, refresh)
        check_spend_cap(self, data.get("budget") or {})
        return Spec(
            path=self.path,
            campaign=data["campaign"],
            provider=provider,
            vars=dict(data.get("vars") or {}),
            avatars=avatars,
            scripts=scripts,
            videos=tuple(v for v in videos if v.id not in self.oversized),
            refresh=tuple(r for r in refresh if r.source.from_group not in self.oversized),
            apply=apply_settings(data.get("apply") or {}),
            locations=self.map,
            template_dirs=self.template_dirs,
            budget=budget_settings(data.get("budget") or {}),
            limits=self.limits,
            approvals=approval_rules(data),
            rollout=rollout_settings(self, data.get("rollout")),
            policy=policy_settings(data.get("policy") or {}),
            evidence=evidence_block(self),
            disclosure=disclosure_settings(data.get("disclosure")),
            lifecycle=lifecycles(self),
            notify=tuple(str(u) for u in data.get("notify") or ()),
        )

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

    def _unique_ids(self) -> None:
        seen: dict[str, str] = {}
        for section in ("videos", "refresh"):
            for i, group in present(self.data.get(section)):
                where = f"{section}[{i}].id"
                if group["id"] in seen:
                    self.problem(
                        where, f"group id '{group['id']}' is already used at {seen[group['id']]}; ids must be unique"
                    )
                else:
                    seen[group["id"]] = f"{section}[{i}]"


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


def apply_settings(block: Mapping[str, Any]) -> ApplySettings:
    """The `apply:` block (already schema-checked) as a typed value."""
    return ApplySettings(
        accept_notices=block.get("accept_notices", False),
        artifacts_dir=block.get("artifacts_dir"),
        download=block.get("download", True),
        max_retries=block.get("max_retries", 1),
        retry_unknown=block.get("retry_unknown", 0),
        transient_attempts=block.get("transient_attempts"),
        transient_seconds=block.get("transient_seconds"),
        max_in_flight=dict(block.get("max_in_flight") or {}),
        lock_lease=block.get("lock_lease"),
    )


def budget_settings(block: Mapping[str, Any]) -> BudgetSettings:
    """The `budget:` block (already schema-checked) as a typed value."""
    prices = block.get("prices")
    return BudgetSettings(
        max_new_videos=block.get("max_new_videos"),
        max_videos=block.get("max_videos"),
        warn_at=float(block.get("warn_at", 0.8)),
        max_spend=block.get("max_spend"),
        prices=Prices(prices.get("per_video"), prices.get("per_second"), prices.get("currency", "USD"))
        if prices
        else None,
    )
