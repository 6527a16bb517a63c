"""`campaign avatars`: a provider's avatar catalog (names and ids)."""

from __future__ import annotations

import json
from typing import Any

import click

from runner.environment import provider_environment
from runner.errors import CampaignError
from runner.options import format_option, sandbox_option
from runner.providers.factory import factory_from_env
from runner.vocabulary.providers import default_provider, provider, providers
from runner.wording import plural


@click.command()
@click.option(
    "--provider",
    "name",
    type=click.Choice([spec.name for spec in providers()]),
    default=default_provider(),
    show_default=True,
    help="Whose catalog to list; tiktok and heygen ids go in campaign files, zego is listed for reference only.",
)
@click.option(
    "--private",
    is_flag=True,
    help="HeyGen only: the team's own avatar groups (digital twins) and their looks, with consent and training status.",
)
@format_option("text", "json")
@sandbox_option
def command(name: str, private: bool, fmt: str, sandbox: bool) -> None:
    """List a provider's avatars: ids and names.

    TikTok and HeyGen ids go in a campaign file's `avatars:` (`{id: ...}`, with
    `provider: heygen` for HeyGen). ZEGO is not a campaign provider: its
    digital humans are listed for reference only.
    """
    if private:
        if not provider(name).private_avatars:
            owners = [spec for spec in providers() if spec.private_avatars]
            whose = " and ".join(f"{spec.title}'s" for spec in owners)
            choices = " or ".join(f"--provider {spec.name}" for spec in owners)
            raise CampaignError(f"--private lists {whose} own avatars; {name} has none: use {choices}")
        _private(fmt, sandbox)
        return
    with provider_environment(sandbox) as env, factory_from_env(env) as factory:
        avatars = factory.catalog(name).list_avatars()
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
    note = provider(name).catalog_note
    click.echo(plural(len(avatars), name + " avatar") + (f" ({note})" if note else ""), err=True)


def _private(fmt: str, sandbox: bool) -> None:
    """The team's avatar groups with their looks, consent and training status."""
    with provider_environment(sandbox) as env, factory_from_env(env) as factory:
        heygen = factory.heygen()
        groups = heygen.list_avatar_groups("private")
        rows: list[dict[str, Any]] = [
            {
                "group_id": str(g["id"]),
                "name": str(g.get("name", "")),
                "consent_status": g.get("consent_status"),
                "status": g.get("status"),
                "looks": [{"id": look.id, "name": look.name} for look in heygen.list_looks(str(g["id"]))],
            }
            for g in groups
        ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo("GROUP / LOOK                              CONSENT    STATUS      NAME")
    for row in rows:
        click.echo(
            f"{row['group_id']:<41} {str(row['consent_status'] or '-'):<10} {str(row['status'] or '-'):<11} {row['name']}"
        )
        for look in row["looks"]:
            click.echo(f"  {look['id']:<39} {'':<10} {'':<11} {look['name']}")
    click.echo(plural(len(rows), "private avatar group"), err=True)
