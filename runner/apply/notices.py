"""The notices the TikTok terms require before uploading assets and before downloading outputs."""

from __future__ import annotations

import click

from runner.errors import NoticeNotAcknowledged

UPLOAD_NOTICE = (
    "By uploading assets, you confirm that you have the necessary legal rights to these assets, the assets do not "
    "include any user generated content, and you are authorized to grant TikTok permission to scan and modify the "
    "assets. You may not upload any assets that would violate TikTok's Ad Policies or Community Guidelines."
)
DOWNLOAD_NOTICE = (
    "If you choose to download and edit any output, you agree that such output can only be shared or published on "
    "TikTok-branded platforms, and that you will not intentionally remove or modify any watermarks contained therein."
)


def acknowledge(kinds: list[str], *, accepted: bool, interactive: bool) -> None:
    """Show each needed notice; without a TTY, require an explicit acknowledgement, before any request."""
    for kind in kinds:
        text = UPLOAD_NOTICE if kind == "upload" else DOWNLOAD_NOTICE
        click.echo(f"Notice ({kind}): {text}", err=True)
        if accepted:
            click.echo(f"  acknowledged ({kind} notice)", err=True)
        elif interactive:
            if not click.confirm(f"Do you accept the {kind} notice?", default=False, err=True):
                raise NoticeNotAcknowledged(f"the {kind} notice was not accepted; nothing was done")
        else:
            raise NoticeNotAcknowledged(
                f"this apply {'uploads assets for AI generation' if kind == 'upload' else 'downloads generated videos'} "
                f"and needs the {kind} notice above acknowledged; pass --accept-notices or set "
                "`apply: {accept_notices: true}` in the campaign file. Nothing was done."
            )
