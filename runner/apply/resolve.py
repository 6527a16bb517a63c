"""Avatar names resolved through the provider's catalog, once; apply records them after the confirmation."""

from __future__ import annotations

import difflib

from runner.campaignfile.model import Spec
from runner.errors import Problem, SpecError
from runner.lock.records import Lockfile
from runner.plan.expand import unresolved_avatars
from runner.providers.factory import ProviderFactory


def resolve_names(spec: Spec, lock: Lockfile, providers: ProviderFactory) -> Lockfile:
    """Look unresolved names up in each provider's catalog; return the lockfile with them (unwritten); SpecError for unknown names."""
    problems = []
    for provider, names in sorted(unresolved_avatars(spec, lock.resolved_avatars).items()):
        catalog = providers.catalog(provider).list_avatars()
        by_name: dict[str, str] = {}
        for avatar in catalog:
            by_name.setdefault(avatar.name, avatar.id)
        for name in sorted(names):
            if name in by_name:
                lock = lock.with_resolution(provider, name, by_name[name])
                continue
            alias = next(a for a, ref in spec.avatars.items() if ref.name == name and ref.provider == provider)
            line, col = spec.locations.at(f"avatars.{alias}.name")
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; run `campaign avatars` to list the catalog"
            problems.append(
                Problem(
                    str(spec.path), line, col, f"avatars.{alias}.name", f"no {provider} avatar is named '{name}'{hint}"
                )
            )
    if problems:
        raise SpecError(problems)
    return lock
