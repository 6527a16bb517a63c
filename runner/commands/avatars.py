"""`campaign avatars`: a provider's avatar catalog (names and ids)."""

from __future__ import annotations

import json

import click

from runner.environment import provider_environment
from runner.options import format_option, sandbox_option
from runner.providers.factory import factory_from_env
from runner.wording import plural

ZEGO_NOTE = " (for reference: ZEGO is not a campaign provider, so these ids cannot go in a campaign file)"


@click.command()
@click.option(
    "--provider",
    type=click.Choice(["tiktok", "heygen", "zego"]),
    default="tiktok",
    show_default=True,
    help="Whose catalog to list; tiktok and heygen ids go in campaign files, zego is listed for reference only.",
)
@format_option("text", "json")
@sandbox_option
def command(provider: str, fmt: str, sandbox: bool) -> None:
    """List a provider's avatars: ids and names.

    TikTok and HeyGen ids go in a campaign file's `avatars:` (`{id: ...}`, with
    `provider: heygen` for HeyGen). ZEGO is not a campaign provider: its
    digital humans are listed for reference only.
    """
    with provider_environment(sandbox) as env, factory_from_env(env) as providers:
        avatars = providers.catalog(provider).list_avatars()
    if fmt == "json":
        click.echo(
            json.dumps(
                [{"id": a.id, "name": a.name, "provider": a.provider} for a in avatars], indent=2, ensure_ascii=False
            )
        )
        return
    width = max((len(a.id) for a in avatars), default=2)
    click.echo(f"{'ID'.ljust(width)}  NAME")
    for avatar in avatars:
        click.echo(f"{avatar.id.ljust(width)}  {avatar.name}")
    click.echo(f"{plural(len(avatars), provider + ' avatar')}" + (ZEGO_NOTE if provider == "zego" else ""), err=True)
