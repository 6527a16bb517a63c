"""The `CAMPAIGN_*` settings read from the environment: each one known, with the values it accepts, checked at start."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

import click

from runner.errors import ConfigError


@dataclass(frozen=True, slots=True)
class NumberVariable:
    """A numeric `CAMPAIGN_*` variable and the range it accepts."""

    name: str
    integer: bool
    low: float
    high: float
    low_inclusive: bool = True

    def accepted(self) -> str:
        """The accepted range, in words."""
        kind = "a whole number" if self.integer else "a number"
        low = f">= {self.low:g}" if self.low_inclusive else f"> {self.low:g}"
        return f"{kind} {low} and <= {self.high:g}"

    def parse(self, raw: str) -> float:
        """The value, or ConfigError naming the variable and the accepted range (never echoing other variables)."""
        try:
            value = float(int(raw.strip())) if self.integer else float(raw.strip())
        except ValueError:
            value = math.nan
        in_range = (value >= self.low if self.low_inclusive else value > self.low) and value <= self.high
        if math.isnan(value) or not in_range:
            raise ConfigError(f"{self.name}={raw!r} is not valid: it must be {self.accepted()}; fix or unset it")
        return value


NUMBER_VARIABLES: dict[str, NumberVariable] = {
    v.name: v
    for v in (
        NumberVariable("CAMPAIGN_TRANSIENT_ATTEMPTS", True, 1, 100_000),
        NumberVariable("CAMPAIGN_TRANSIENT_SECONDS", False, 0, 7 * 24 * 3600, low_inclusive=False),
        NumberVariable("CAMPAIGN_SCAN_PAGES", True, 1, 100_000),
    )
}
CHOICE_VARIABLES: dict[str, tuple[str, ...]] = {"CAMPAIGN_DEBUG": ("0", "1")}
# Checked where they are read: the backend URLs when a backend is opened, the lease when one is taken.
TEXT_VARIABLES = frozenset(
    {
        "CAMPAIGN_STATE_URL",
        "CAMPAIGN_RATE_URL",
        "CAMPAIGN_LOCK_LEASE",
        "CAMPAIGN_C2PA_CERT",
        "CAMPAIGN_C2PA_KEY",
        "CAMPAIGN_NOTIFY_URLS",
        "CAMPAIGN_METRICS_FILE",
        "CAMPAIGN_GALLERY_URL",
    }
)
RETIRED_VARIABLES: dict[str, str] = {
    "CAMPAIGN_TIME_SCALE": "clients run on the real clock; set the sandbox's pace with `campaign sandbox --speed`",
}


def campaign_number(name: str, environ: Mapping[str, str] | None = None) -> float | None:
    """A numeric `CAMPAIGN_*` variable's value, None when unset or empty."""
    env = os.environ if environ is None else environ
    raw = env.get(name)
    return NUMBER_VARIABLES[name].parse(raw) if raw else None


def check_campaign_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """Refuse a bad `CAMPAIGN_*` value (ConfigError, exit 1); return warnings for names this version does not know."""
    env = os.environ if environ is None else environ
    warnings = []
    for name in sorted(n for n in env if n.startswith("CAMPAIGN_")):
        raw = env[name]
        if name in NUMBER_VARIABLES:
            if raw:
                NUMBER_VARIABLES[name].parse(raw)
        elif name in CHOICE_VARIABLES:
            if raw and raw not in CHOICE_VARIABLES[name]:
                raise ConfigError(f"{name}={raw!r} is not valid: it must be one of {', '.join(CHOICE_VARIABLES[name])}")
        elif name in RETIRED_VARIABLES:
            warnings.append(f"warning: {name} is retired and ignored: {RETIRED_VARIABLES[name]}")
        elif name not in TEXT_VARIABLES:
            known = sorted({*NUMBER_VARIABLES, *CHOICE_VARIABLES, *TEXT_VARIABLES})
            warnings.append(f"warning: {name} is not a campaign setting and is ignored (known: {', '.join(known)})")
    return warnings


def check_at_start(environ: Mapping[str, str] | None = None) -> None:
    """Check the `CAMPAIGN_*` variables before a command runs; warnings go to stderr."""
    for warning in check_campaign_variables(environ):
        click.echo(warning, err=True)


def known_settings() -> frozenset[str]:
    """Every `CAMPAIGN_*` setting this version reads or knows as retired."""
    return frozenset({*NUMBER_VARIABLES, *CHOICE_VARIABLES, *TEXT_VARIABLES, *RETIRED_VARIABLES})
