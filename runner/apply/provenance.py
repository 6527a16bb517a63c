"""Apply's provenance step: after the engine, every downloaded video is signed with content credentials."""

from __future__ import annotations

import os

import click

from runner.apply.context import Context
from runner.plan.make import Planned
from runner.policy.evaluate import policy_report
from runner.provenance.credentials import signing_keys, unsigned_reason
from runner.provenance.keys import SigningKeys
from runner.state.store import StateStore
from runner.wording import plural


def check_signing(ctx: Context) -> SigningKeys | None:
    """The keys this apply signs with, read before any request (a broken key or certificate is refused early)."""
    if ctx.downloads_to is None:
        return None
    return signing_keys(os.environ, sandbox=ctx.request.sandbox)


def sign_downloads(ctx: Context, store: StateStore, planned: Planned) -> None:
    """Sign the downloaded videos not yet signed for their job; the lockfile records the signed files' digests."""
    keys = check_signing(ctx)
    if keys is None:
        reason = unsigned_reason(os.environ, sandbox=ctx.request.sandbox)
        if ctx.downloads_to is not None and reason:
            click.echo(f"note: {reason}", err=True)
        return
    from runner.provenance.signing import sign_artifacts  # c2pa loads only for a run that signs

    policy = policy_report(planned.spec, planned.graph)
    lock = store.read()
    lock_dir = ctx.workspace.lockfile.parent
    _, signed = sign_artifacts(
        planned.spec, planned.graph, policy, lock, lock_dir, keys, planned.plan.spec_digest or "", store.write
    )
    if signed:
        click.echo(f"Signed {plural(signed, 'video')} with content credentials ({keys.origin}).", err=True)
