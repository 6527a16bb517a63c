"""The account scan for videos a stale lockfile lacks: page by page, stopping once every tag looked for is found.

A lockfile older than the account (a clone without it, lost replies) makes apply and `campaign import` list
the account's avatar videos to adopt them by their `~tag`. An account holds every campaign's videos, so the
scan stops at the first page after which every job looked for has its video, and in any case after
`CAMPAIGN_SCAN_PAGES` pages, with a warning that says what was not looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from runner import api_facts as facts
from runner.execute.ports import tiktok_api
from runner.providers.models import Page, VideoInfo
from runner.settings import campaign_number
from runner.wording import plural

DEFAULT_SCAN_PAGES = 50  # 5,000 videos at the documented largest page: far more than a campaign's recent videos


@runtime_checkable
class PagesAvatarVideos(Protocol):
    """Lists the account's avatar videos page by page, so that a scan can stop early."""

    def avatar_video_pages(self) -> Iterator[Page[VideoInfo]]:
        """The videos, one page at a time (a request per page, sent when the page is wanted)."""
        ...


@dataclass(frozen=True, slots=True)
class Scan:
    """What a scan saw: the videos, the pages read, and the pages the list has."""

    videos: tuple[VideoInfo, ...]
    pages: int
    total_pages: int

    @property
    def cut(self) -> bool:
        """The page bound stopped it before the list's end with tags still missing."""
        return self.pages < self.total_pages


def scan_pages(environ: dict[str, str] | None = None) -> int:
    """The most pages one scan reads: `CAMPAIGN_SCAN_PAGES`, else the default."""
    value = campaign_number("CAMPAIGN_SCAN_PAGES", environ)
    return DEFAULT_SCAN_PAGES if value is None else int(value)


def scan(pages: Iterable[Page[VideoInfo]], done: Callable[[list[VideoInfo]], bool], max_pages: int) -> Scan:
    """Read pages until `done(videos so far)`, the list's end, or `max_pages` pages, whichever comes first."""
    videos: list[VideoInfo] = []
    read = total = 0
    for page in pages:
        videos.extend(page.items)
        read, total = read + 1, max(page.total, read + 1)
        if page.last or done(videos):
            return Scan(tuple(videos), read, read)
        if read >= max_pages:
            break
    return Scan(tuple(videos), read, total)


def account_scan(client: object, done: Callable[[list[VideoInfo]], bool]) -> Scan:
    """`scan` of the client's avatar videos, bounded by `scan_pages()`; a client without pages lists them all."""
    if not isinstance(client, PagesAvatarVideos):
        return Scan(tuple(tiktok_api(client).list_avatar_videos()), 1, 1)
    return scan(client.avatar_video_pages(), done, scan_pages())


def videos_by_id(client: object, video_ids: Iterable[str]) -> tuple[VideoInfo, ...]:
    """The account's videos read until every one of `video_ids` is listed (an adopted video has no task to ask)."""
    wanted = set(video_ids)
    return account_scan(client, lambda videos: wanted <= {v.video_id for v in videos}).videos


def cut_warning(result: Scan, missing: int) -> str:
    """What a scan stopped by its bound did not look at, and what to do about it."""
    seen = result.pages * facts.PAGE_SIZE_MAX
    return (
        f"warning: the account scan stopped after {plural(result.pages, 'page')} of {result.total_pages} "
        f"(its first {seen:,} videos; CAMPAIGN_SCAN_PAGES) with {plural(missing, 'video')} of this campaign not "
        "found: a video further down the list is not adopted, and is made (and paid for) again. If an earlier "
        "apply made them, stop and restore its lockfile, or raise CAMPAIGN_SCAN_PAGES"
    )
