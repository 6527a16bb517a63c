"""`campaign avatars`: a provider's avatar catalog (names and ids)."""

from __future__ import annotations

import json

import click

from runner.environment import provider_environment
from runner.options import format_option, sandbox_option
from runner.providers.config import clock_from_env, settings_from_env
from runner.providers.heygen import HeyGenClient
from runner.providers.protocol import CatalogProvider
from runner.providers.tiktok import TikTokClient
from runner.providers.zego import ZegoClient


@click.command()
@click.option("--provider", type=click.Choice(["tiktok", "heygen", "zego"]), default="tiktok", show_default=True)
@format_option("text", "json")
@sandbox_option
def command(provider: str, fmt: str, sandbox: bool) -> None:
    """List the provider's avatars: names and the ids to put in a campaign file."""
    with provider_environment(sandbox) as env:
        settings = settings_from_env(env)
        clock = clock_from_env(env)
        client: CatalogProvider
        if provider == "tiktok":
            client = TikTokClient(settings, clock=clock)
        elif provider == "heygen":
            client = HeyGenClient(settings, clock=clock)
        else:
            client = ZegoClient(settings, clock=clock)
        try:
            avatars = client.list_avatars()
        finally:
            client.close()
    if fmt == "json":
        click.echo(json.dumps([{"id": a.id, "name": a.name, "provider": a.provider} for a in avatars], indent=2, ensure_ascii=False))
        return
    width = max((len(a.id) for a in avatars), default=2)
    click.echo(f"{'ID'.ljust(width)}  NAME")
    for avatar in avatars:
        click.echo(f"{avatar.id.ljust(width)}  {avatar.name}")
    click.echo(f"{len(avatars)} {provider} avatars", err=True)
