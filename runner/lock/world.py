"""The world a lockfile describes: which provider accounts its video ids live in (never a secret)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from runner.campaignfile.model import Spec
from runner.errors import CampaignError
from runner.vocabulary.kinds import JobKind, kind
from runner.vocabulary.providers import ProviderSpec, provider

SANDBOX_HOST = "sandbox"  # the bundled emulator listens on a random loopback port: its host says nothing


class WorldMismatch(CampaignError):
    """The lockfile was written against other provider accounts than the ones configured now."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where one provider's videos live: the API host and, for TikTok, the advertiser."""

    host: str
    advertiser_id: str | None = None

    def describe(self) -> str:
        """`business-api.tiktok.com (advertiser 123)`."""
        return self.host + (f" (advertiser {self.advertiser_id})" if self.advertiser_id else "")


@dataclass(frozen=True, slots=True)
class World:
    """The environment a lockfile's ids belong to: sandbox or not, and each provider's endpoint."""

    sandbox: bool
    providers: Mapping[str, Endpoint] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for messages: `the bundled sandbox` or `tiktok at host (advertiser ...)`."""
        if self.sandbox:
            return "the bundled sandbox (--sandbox)"
        parts = [f"{name} at {end.describe()}" for name, end in sorted(self.providers.items())]
        return ", ".join(parts) or "no provider yet"

    def fingerprint(self) -> str:
        """A short stable digest of the world, for backends that key state by it."""
        canonical = json.dumps(to_data(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def merged(self, other: World) -> World:
        """This world plus the providers only `other` names (a campaign that starts using HeyGen)."""
        return replace(self, providers={**other.providers, **self.providers})


LOOPBACK = "127.0.0.1"  # every spelling of this machine is one host
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "::1", "0:0:0:0:0:0:0:1"})
_DEFAULT_PORTS = {"https": 443, "http": 80}


def _host(url: str) -> str:
    """`https://user:pw@Host:443/x` -> `host`: the host and port only, never credentials or path."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # not a URL at all: the clients refuse it by name before any request
        return url.strip().lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and _DEFAULT_PORTS.get(parts.scheme.lower()) == port:
        port = None
    host = canonical_host(parts.hostname or url.strip())
    return f"{host}:{port}" if port else host


def canonical_host(host: str) -> str:
    """One spelling per host: lower case, no trailing dot, every loopback name as 127.0.0.1, no default port."""
    name, _, port = host.strip().lower().rpartition(":") if _has_port(host) else (host.strip().lower(), "", "")
    name = name.strip("[]").rstrip(".")
    if name in _LOOPBACK_NAMES or name.startswith("127."):
        name = LOOPBACK
    return f"{name}:{port}" if port and int(port) not in _DEFAULT_PORTS.values() else name


def _has_port(host: str) -> bool:
    """Whether a recorded `host:port` ends in a port (an IPv6 address is all colons)."""
    head, sep, tail = host.rpartition(":")
    return bool(sep) and tail.isdigit() and (head.count(":") == 0 or head.endswith("]"))


def world_from_env(env: Mapping[str, str], providers: Iterable[str], *, sandbox: bool) -> World:
    """The world the given environment points the named (campaign) providers at."""
    endpoints: dict[str, Endpoint] = {}
    for name in sorted(set(providers)):
        spec = _campaign_provider(name)
        if spec is None:
            continue
        host = SANDBOX_HOST if sandbox else _host(env.get(spec.base_url_variable) or spec.default_base_url)
        account = (env.get(spec.account) or "").strip() or None if spec.account else None
        endpoints[name] = Endpoint(host=host, advertiser_id=account)
    return World(sandbox=sandbox, providers=endpoints)


def _campaign_provider(name: str) -> ProviderSpec | None:
    """The entry of a provider whose ids a lockfile can hold."""
    try:
        spec = provider(name)
    except KeyError:
        return None
    return spec if spec.campaign else None


def spec_providers(spec: Spec) -> set[str]:
    """The providers a campaign talks to: its video groups', its avatars', the refresh kind's for refreshes."""
    used = {group.provider for group in spec.videos}
    used |= {spec.avatars[alias].provider for group in spec.videos for alias in group.avatars if alias in spec.avatars}
    return used | ({kind(JobKind.REFRESH_VIDEO).provider} if spec.refresh else set())


def current_world(spec: Spec, recorded: Iterable[str], env: Mapping[str, str], *, sandbox: bool) -> World:
    """The world the environment points this campaign at: the spec's providers and the `recorded` ones (its jobs').

    The bundled sandbox's world depends on nothing in the environment.
    """
    return world_from_env({} if sandbox else env, spec_providers(spec) | set(recorded), sandbox=sandbox)


def expected_world(recorded: World | None, current: World) -> World:
    """The world a run records when `check_world` lets it go on: the lockfile's, plus providers it gains."""
    return current if recorded is None else recorded.merged(current)


def differences(recorded: World, current: World) -> list[str]:
    """What differs between the lockfile's world and the current one (providers both name)."""
    found = []
    if recorded.sandbox != current.sandbox:
        found.append(
            f"the lockfile was written {'in' if recorded.sandbox else 'outside'} the sandbox, "
            f"this run is {'in' if current.sandbox else 'outside'} it"
        )
        return found  # the sandbox's hosts say nothing more
    for name in sorted(set(recorded.providers) & set(current.providers)):
        was, now = recorded.providers[name], current.providers[name]
        if (canonical_host(was.host), was.advertiser_id) != (canonical_host(now.host), now.advertiser_id):
            found.append(f"{name}: the lockfile's ids live at {was.describe()}, this run talks to {now.describe()}")
    return found


def check_world(recorded: World | None, current: World, lock_path: Path) -> World:
    """Return the world to record; WorldMismatch, with a way forward, when it is another one."""
    if recorded is None:
        return current
    found = differences(recorded, current)
    if found:
        aside = lock_path.with_name(lock_path.name.replace(".lock.", ".old.lock.", 1))
        raise WorldMismatch(
            f"{lock_path} describes another world: {'; '.join(found)}. Its video ids mean nothing there, so nothing "
            f"was done. {'Run with --sandbox' if recorded.sandbox else 'Point the environment back at ' + recorded.describe()}, "
            "or keep the states apart: pass "
            f"--lock with another file for this world, or move {lock_path.name} aside (e.g. to {aside.name}) "
            "if the old world is gone for good"
        )
    return expected_world(recorded, current)


def to_data(world: World) -> dict[str, Any]:
    """Plain sorted data for the lockfile."""
    providers = {}
    for name, end in sorted(world.providers.items()):
        entry: dict[str, Any] = {"host": end.host}
        if end.advertiser_id is not None:
            entry["advertiser_id"] = end.advertiser_id
        providers[name] = entry
    return {"sandbox": world.sandbox, "providers": providers}


def from_data(data: Any) -> World:
    """Build a World from lockfile data; TypeError/ValueError/KeyError on a bad shape."""
    if not isinstance(data, dict) or not isinstance(data["sandbox"], bool) or set(data) - {"sandbox", "providers"}:
        raise ValueError("world")
    endpoints = {}
    for name, entry in data.get("providers", {}).items():
        if not isinstance(entry, dict) or not isinstance(entry["host"], str) or set(entry) - {"host", "advertiser_id"}:
            raise ValueError("world.providers")
        advertiser = entry.get("advertiser_id")
        if advertiser is not None and not isinstance(advertiser, str):
            raise TypeError("advertiser_id")
        endpoints[name] = Endpoint(host=entry["host"], advertiser_id=advertiser)
    return World(sandbox=data["sandbox"], providers=endpoints)
