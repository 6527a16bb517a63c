"""Prometheus text metrics of a run, written atomically to CAMPAIGN_METRICS_FILE (node-exporter's textfile collector)."""

from __future__ import annotations

import collections
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.observe.optional import optional_module

METRICS_VARIABLE = "CAMPAIGN_METRICS_FILE"
_LAST_SUCCESS = "campaign_last_success_timestamp_seconds"
_rate_limited: collections.Counter[str] = collections.Counter()
_lock = threading.Lock()


def count_rate_limited(provider: str) -> None:
    """One more 429 (or the provider's own too-many-requests code) in this process."""
    with _lock:
        _rate_limited[provider] += 1


@dataclass(frozen=True, slots=True)
class RunMetrics:
    """What one run leaves for a scrape."""

    campaign: str
    jobs_by_state: Mapping[str, int]
    videos_created: int
    in_flight: int  # renders and tasks still at the provider when the run ended
    spend: float | None
    succeeded: bool
    currency: str = "USD"
    rate_limited: Mapping[str, int] = field(default_factory=dict)


def metrics_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where the metrics go; None when CAMPAIGN_METRICS_FILE is unset (then prometheus-client is never imported)."""
    raw = (os.environ if environ is None else environ).get(METRICS_VARIABLE, "").strip()
    return Path(raw) if raw else None


def require_prometheus(path: Path | None) -> None:
    """When metrics are asked for, check prometheus-client is installed (exit 1 naming the pip command)."""
    if path is not None:
        optional_module("prometheus_client", "metrics", METRICS_VARIABLE)


def _last_success(path: Path, campaign: str) -> float | None:
    """The previous run's last-success time, kept across failed runs."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(rf'^{_LAST_SUCCESS}{{campaign="{re.escape(campaign)}"}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else None


def write_metrics(path: Path, run: RunMetrics) -> None:
    """Write the run's metrics in Prometheus text format (a temporary file renamed over the old one)."""
    client: Any = optional_module("prometheus_client", "metrics", METRICS_VARIABLE)
    registry = client.CollectorRegistry()
    labels = {"campaign": run.campaign}
    jobs = client.Gauge("campaign_jobs", "Jobs of the lockfile by state", ["campaign", "state"], registry=registry)
    for state, count in sorted(run.jobs_by_state.items()):
        jobs.labels(state=state, **labels).set(count)
    gauges = {
        "campaign_videos_created": ("Videos the last run created (paid for)", run.videos_created),
        "campaign_renders_in_flight": ("Renders and tasks still at the provider after the last run", run.in_flight),
    }
    for name, (text, value) in gauges.items():
        client.Gauge(name, text, ["campaign"], registry=registry).labels(**labels).set(value)
    limited = client.Gauge(
        "campaign_rate_limited",
        "Too-many-requests replies in the last run",
        ["campaign", "provider"],
        registry=registry,
    )
    with _lock:
        counts = {**run.rate_limited, **_rate_limited}
    for provider, count in sorted(counts.items()):
        limited.labels(provider=provider, **labels).set(count)
    if run.spend is not None:
        spend = client.Gauge("campaign_spend", "Money the last run spent", ["campaign", "currency"], registry=registry)
        spend.labels(currency=run.currency, **labels).set(run.spend)
    last = time.time() if run.succeeded else _last_success(path, run.campaign)
    if last is not None:
        client.Gauge(_LAST_SUCCESS, "When an apply last succeeded", ["campaign"], registry=registry).labels(
            **labels
        ).set(last)
    path.parent.mkdir(parents=True, exist_ok=True)
    client.write_to_textfile(str(path), registry)
