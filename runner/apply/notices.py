"""The notices TikTok's terms require before uploading assets and before downloading TikTok-made videos."""

from __future__ import annotations

from collections.abc import Iterable

import click

from runner.errors import NoticeNotAcknowledged
from runner.lock.records import Lockfile
from runner.plan.model import Action, Plan
from runner.vocabulary.kinds import JobKind, Notice, known_kind

UPLOAD_NOTICE = (
    "By uploading assets, you confirm that you have the necessary legal rights to these assets, the assets do not "
    "include any user generated content, and you are authorized to grant TikTok permission to scan and modify the "
    "assets. You may not upload any assets that would violate TikTok's Ad Policies or Community Guidelines."
)
DOWNLOAD_NOTICE = (
    "If you choose to download and edit any output, you agree that such output can only be shared or published on "
    "TikTok-branded platforms, and that you will not intentionally remove or modify any watermarks contained therein."
)
TEXTS = {Notice.UPLOAD: UPLOAD_NOTICE, Notice.DOWNLOAD: DOWNLOAD_NOTICE}


def notices_for(uploading: Iterable[str], downloading: Iterable[str]) -> list[Notice]:
    """Which notices a run needs, given the job kinds it creates and the job kinds whose videos it downloads."""
    needed = []
    if Notice.UPLOAD in _notices(uploading):  # assets sent to the provider for AI generation
        needed.append(Notice.UPLOAD)
    if Notice.DOWNLOAD in _notices(downloading):  # videos the provider's AI made
        needed.append(Notice.DOWNLOAD)
    return needed


def _notices(names: Iterable[str]) -> set[Notice]:
    """The notices the named kinds ask for."""
    return {notice for name in names if (spec := known_kind(str(name))) for notice in spec.notices}


def notices_needed(plan: Plan, downloads: bool, missing: list[str], lock: Lockfile | None = None) -> list[str]:
    """Which TikTok notices this run needs: upload (assets sent for AI generation), download (TikTok-made videos)."""
    creating = [c.job.kind for c in plan.changes if c.action in (Action.CREATE, Action.REPLACE) and c.job is not None]
    downloading: list[str] = []
    if downloads:
        records = lock.jobs if lock is not None else {}
        downloading = [*creating, *(records[key].kind if key in records else JobKind.AVATAR_VIDEO for key in missing)]
    return [str(notice) for notice in notices_for(creating, downloading)]


def acknowledge(kinds: Iterable[str], *, accepted: bool, interactive: bool) -> None:
    """Show each needed notice; without a TTY, require an explicit acknowledgement, before any request."""
    for kind in kinds:
        notice = Notice(kind)
        click.echo(f"TikTok notice ({notice}): {TEXTS[notice]}", err=True)
        if accepted:
            click.echo(f"  acknowledged (TikTok {notice} notice)", err=True)
        elif interactive:
            if not click.confirm(f"Do you accept TikTok's {notice} notice?", default=False, err=True):
                raise NoticeNotAcknowledged(f"TikTok's {notice} notice was not accepted; nothing was done")
        else:
            doing = (
                "uploads assets to TikTok for AI generation"
                if notice is Notice.UPLOAD
                else "downloads TikTok-made videos"
            )
            raise NoticeNotAcknowledged(
                f"this apply {doing} and needs TikTok's {notice} notice above acknowledged; pass --accept-notices "
                "or set `apply: {accept_notices: true}` in the campaign file. Nothing was done."
            )
