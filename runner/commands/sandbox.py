"""`campaign sandbox`: serve the local emulator of all four APIs on 127.0.0.1."""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import click

from runner.sandbox.config import DEFAULT_SPREAD, HEYGEN_PLAN_CONCURRENCY, SandboxConfig
from runner.sandbox.server import SandboxServer
from runner.sandbox.world import SavedStateError


class PositiveNumber(click.ParamType[float, Any]):
    """A finite number > 0 (or >= `minimum` when given inclusively)."""

    name = "number"

    def __init__(self, minimum: float = 0.0, inclusive: bool = False) -> None:
        self.minimum = minimum
        self.inclusive = inclusive

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        ok = number >= self.minimum if self.inclusive else number > self.minimum
        if not math.isfinite(number) or not ok:
            self.fail(f"{value!r} must be a number {'>=' if self.inclusive else '>'} {self.minimum:g}", param, ctx)
        return number


class Range(click.ParamType[tuple[float, float], Any]):
    """Two finite numbers `LOW,HIGH` with 0 < LOW <= HIGH (or, for windows, 0 <= LOW < HIGH)."""

    name = "low,high"

    def __init__(self, window: bool = False) -> None:
        self.window = window

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[float, float]:
        if isinstance(value, tuple):
            return value
        parts = str(value).split(",")
        try:
            low, high = (float(p) for p in parts)
        except ValueError:
            self.fail(f"{value!r} is not two numbers LOW,HIGH (e.g. 0.05,1.5)", param, ctx)
        good = math.isfinite(low) and math.isfinite(high) and (0 <= low < high if self.window else 0 < low <= high)
        if not good:
            rule = "0 <= START < END" if self.window else "0 < LOW <= HIGH"
            self.fail(f"{value!r} must satisfy {rule}", param, ctx)
        return low, high


RATE = click.FloatRange(0, 1)


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port on 127.0.0.1 (0 = any free port).",
)
@click.option(
    "--token",
    default="sandbox-token",
    show_default=True,
    help="TikTok access token, HeyGen API key and ZEGO server secret.",
)
@click.option(
    "--extra-token",
    "extra_tokens",
    multiple=True,
    help="Another accepted token: a separate app with its own limits and counters (repeatable).",
)
@click.option(
    "--speed",
    type=PositiveNumber(),
    default=1.0,
    show_default=True,
    help="A task takes this fraction of the documented processing time (0.01: 1 %), on the real clock.",
)
@click.option(
    "--spread",
    type=Range(),
    default=",".join(map(str, DEFAULT_SPREAD)),
    show_default=True,
    help="LOW,HIGH: each task takes a seeded uniform share of its (sped-up) bound between LOW and HIGH; HIGH > 1 finishes past the bound.",
)
@click.option(
    "--url-ttl", type=PositiveNumber(), default=None, help="Seconds a preview URL stays valid [default: 6 hours]."
)
@click.option("--fault-rate", type=RATE, default=0.0, help="Share of requests answered with a transient fault.")
@click.option("--slow-rate", type=RATE, default=0.0, help="Share of replies delayed 2-5 (sped-up) seconds.")
@click.option(
    "--lost-reply-rate", type=RATE, default=0.0, help="Share of creates whose reply is lost after they took effect."
)
@click.option(
    "--gateway-timeout-rate", type=RATE, default=0.0, help="Share of creates that take effect, then answer HTTP 504."
)
@click.option(
    "--forget-rate",
    type=RATE,
    default=0.0,
    help="Share of tasks and uploads the provider forgets right after replying.",
)
@click.option("--task-failure-rate", type=RATE, default=0.0, help="Share of tasks that end FAILED.")
@click.option(
    "--twin-training-failure-rate",
    type=RATE,
    default=0.0,
    help="Share of approved HeyGen digital twins whose training fails.",
)
@click.option("--slow-render-rate", type=RATE, default=0.0, help="Share of tasks that render slower than documented.")
@click.option(
    "--slow-render-factor",
    type=PositiveNumber(1.0, inclusive=True),
    default=2.0,
    show_default=True,
    help="How much slower those renders are.",
)
@click.option(
    "--outage",
    "outages",
    type=Range(window=True),
    multiple=True,
    help="START,END seconds after start-up during which every request fails with 503 (repeatable).",
)
@click.option(
    "--heygen-concurrency",
    type=click.Choice([str(n) for n in HEYGEN_PLAN_CONCURRENCY]),
    default="10",
    show_default=True,
    help="HeyGen renders in progress per API key (the plan tier).",
)
@click.option("--qps", type=PositiveNumber(), default=10.0, show_default=True, help="The app's TikTok rate-limit tier.")
@click.option("--seed", type=int, default=None, help="Seed for reproducible faults and timings.")
@click.option(
    "--state-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Keep the account in this file across restarts.",
)
def command(
    port: int,
    token: str,
    extra_tokens: tuple[str, ...],
    speed: float,
    spread: tuple[float, float],
    url_ttl: float | None,
    fault_rate: float,
    slow_rate: float,
    lost_reply_rate: float,
    gateway_timeout_rate: float,
    forget_rate: float,
    task_failure_rate: float,
    twin_training_failure_rate: float,
    slow_render_rate: float,
    slow_render_factor: float,
    outages: tuple[tuple[float, float], ...],
    heygen_concurrency: str,
    qps: float,
    seed: int | None,
    state_file: Path | None,
) -> None:
    """Serve the emulator until Ctrl-C; print base URLs and the credentials it accepts."""
    config = SandboxConfig(
        url_ttl=url_ttl or SandboxConfig.url_ttl,
        token=token,
        tokens=extra_tokens,
        speed=speed,
        spread=spread,
        fault_rate=fault_rate,
        slow_rate=slow_rate,
        lost_reply_rate=lost_reply_rate,
        gateway_timeout_rate=gateway_timeout_rate,
        forget_rate=forget_rate,
        task_failure_rate=task_failure_rate,
        twin_training_failure_rate=twin_training_failure_rate,
        slow_render_rate=slow_render_rate,
        slow_render_factor=slow_render_factor,
        outages=outages,
        heygen_max_concurrent=int(heygen_concurrency),
        qps=qps,
        seed=seed,
        state_file=state_file,
    )
    try:
        server = SandboxServer(config, port=port).start()
    except SavedStateError as exc:
        raise click.ClickException(f"{exc}; pass another --state-file, or delete it to start afresh") from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}; pick another --port") from None
    _announce(server, config)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        click.echo("sandbox stopped")


def _announce(server: SandboxServer, config: SandboxConfig) -> None:
    """Where each provider is served, and the variables that point campaign at it."""
    low, high = config.spread
    click.echo(
        f"sandbox listening on {server.base_url} (speed {config.speed:g}, spread {low:g}-{high:g}); Ctrl-C stops it"
    )
    click.echo("  TikTok  " + server.tiktok_url)
    click.echo("  HeyGen  " + server.heygen_url)
    click.echo("  ZEGO    " + server.zego_url)
    click.echo("credentials it accepts (export these to point campaign at it):")
    for name, value in server.env().items():
        click.echo(f"  export {name}={value}")
    if config.tokens:
        click.echo(f"  (plus {len(config.all_tokens) - 1} more token(s), each a separate app)")
