"""`campaign sandbox`: serve the local emulator of all four APIs on 127.0.0.1."""

from __future__ import annotations

import threading
from pathlib import Path

import click

from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer


@click.command()
@click.option("--port", type=int, default=8765, show_default=True, help="Port on 127.0.0.1 (0 = any free port).")
@click.option("--token", default="sandbox-token", show_default=True, help="TikTok access token, HeyGen API key and ZEGO server secret.")
@click.option("--time-scale", type=float, default=1.0, show_default=True, help="Real seconds per virtual second (0.01: 100x faster).")
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests answered with a transient fault.")
@click.option("--slow-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of replies delayed 2-5 virtual seconds.")
@click.option("--lost-reply-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of creates whose reply is lost after they took effect.")
@click.option("--task-failure-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of tasks that end FAILED.")
@click.option("--qps", type=float, default=10.0, show_default=True, help="The app's TikTok rate-limit tier.")
@click.option("--seed", type=int, default=None, help="Seed for reproducible faults and timings.")
@click.option("--state-file", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Keep the account in this file across restarts.")
def command(port: int, token: str, time_scale: float, fault_rate: float, slow_rate: float, lost_reply_rate: float,
            task_failure_rate: float, qps: float, seed: int | None, state_file: Path | None) -> None:
    """Serve the emulator until Ctrl-C; print base URLs and the credentials it accepts."""
    config = SandboxConfig(token=token, time_scale=time_scale, fault_rate=fault_rate, slow_rate=slow_rate,
                           lost_reply_rate=lost_reply_rate, task_failure_rate=task_failure_rate, qps=qps, seed=seed,
                           state_file=state_file)
    try:
        server = SandboxServer(config, port=port).start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}; pick another --port") from None
    click.echo(f"sandbox listening on {server.base_url} (time scale {time_scale:g}); Ctrl-C stops it")
    click.echo("  TikTok  " + server.tiktok_url)
    click.echo("  HeyGen  " + server.heygen_url)
    click.echo("  ZEGO    " + server.zego_url)
    click.echo("credentials it accepts (export these to point campaign at it):")
    for name, value in server.env().items():
        click.echo(f"  export {name}={value}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        click.echo("sandbox stopped")
