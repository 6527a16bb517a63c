"""Notifications through apprise (Slack, Teams, mail, JSON webhooks: one URL form); a failure is only a warning."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.observe.optional import optional_module

NOTIFY_VARIABLE = "CAMPAIGN_NOTIFY_URLS"
EVENTS = ("apply.finished", "apply.failed", "apply.waiting", "drift.found", "budget.warning", "twin.consent")


@dataclass(frozen=True, slots=True)
class Event:
    """What happened to a campaign: counts, money, the lockfile's world and a gallery link.

    Never a secret, but for `twin.consent`, which carries the consent URL (and its twin's name) and goes
    only to the people named for consent.
    """

    name: str  # one of EVENTS
    campaign: str
    summary: str
    counts: Mapping[str, int] = field(default_factory=dict)
    money: str | None = None
    world: str | None = None
    gallery: str | None = None
    twin: str | None = None
    consent_url: str | None = field(default=None, repr=False)

    def body(self) -> str:
        """`key: value` lines, readable in a chat and easy for a webhook to parse."""
        lines = [f"event: {self.name}", f"campaign: {self.campaign}", self.summary]
        lines += [f"{state}: {count}" for state, count in sorted(self.counts.items())]
        labelled = (
            ("money", self.money),
            ("world", self.world),
            ("gallery", self.gallery),
            ("twin", self.twin),
            ("consent_url", self.consent_url),
        )
        lines += [f"{label}: {value}" for label, value in labelled if value]
        return "\n".join(lines)


def notify_urls(configured: Iterable[str], environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The file's `notify:` URLs and those of CAMPAIGN_NOTIFY_URLS (comma- or space-separated), in order, once each."""
    env = os.environ if environ is None else environ
    extra = [u for u in re.split(r"[\s,]+", env.get(NOTIFY_VARIABLE, "")) if u]
    return tuple(dict.fromkeys([*configured, *extra]))


def _scheme(url: str) -> str:
    """What a warning may show of a URL: its scheme only (the rest may carry a token)."""
    return url.split("://", 1)[0] + "://" if "://" in url else "a notify URL"


def require_apprise(urls: tuple[str, ...]) -> None:
    """When notifications are configured, check apprise is installed (exit 1 naming the pip command) before any work."""
    if urls:
        optional_module("apprise", "notify", f"notify: / {NOTIFY_VARIABLE}")


def send(event: Event, urls: tuple[str, ...]) -> list[str]:
    """Send `event` to each URL; the warnings of those that failed (their scheme only, never the URL)."""
    return deliver(event, urls)[1]


def deliver(event: Event, urls: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """Send `event` to each URL: the URLs it reached, and a warning for each of the others (its scheme only)."""
    if not urls:
        return (), []
    apprise: Any = optional_module("apprise", "notify", f"notify: / {NOTIFY_VARIABLE}")
    quiet = logging.getLogger("apprise")
    quiet.setLevel(logging.CRITICAL + 1)  # its log lines can show whole URLs, tokens included
    quiet.propagate = False
    reached, warnings = [], []
    for url in urls:
        try:
            sender = apprise.Apprise()
            ok = sender.add(url) and sender.notify(title=f"campaign {event.campaign}: {event.name}", body=event.body())
        except Exception:  # a notifier's own failure must never fail the run
            ok = False
        if ok:
            reached.append(url)
        else:
            warnings.append(f"warning: the {event.name} notification to {_scheme(url)} could not be sent")
    return tuple(reached), warnings
