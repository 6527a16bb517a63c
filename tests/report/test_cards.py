"""Gallery cards and the page they render to, without a browser."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from runner.plan.make import make_plan
from runner.report.address import parse_address
from runner.report.cards import Card, CardState, build_cards
from runner.report.html import filters_for, render_gallery


def cards_of(campaign: Any, out_dir: Path) -> dict[str, Card]:
    planned = make_plan(campaign.spec)
    return {c.key: c for c in build_cards(planned.plan, planned.lock.jobs, campaign.folder, out_dir)}


def test_one_card_per_video_job_with_state_badge_and_ids(gallery_campaign: Any) -> None:
    cards = cards_of(gallery_campaign, gallery_campaign.folder / "artifacts" / "gallery")
    assert sorted(cards) == sorted(gallery_campaign.shown)
    failed = cards[gallery_campaign.failed]
    assert failed.state is CardState.FAILED
    assert failed.badge == 'failed: post_render_check: no video track <in the file> & "nothing" to play'
    assert cards[gallery_campaign.planned].state is CardState.PLANNED
    assert cards[gallery_campaign.submitted].state is CardState.SUBMITTED
    done = cards[gallery_campaign.playable[0]]
    assert done.state is CardState.SUCCEEDED and done.badge == ""
    assert done.task_ids and done.video_ids
    assert [v.src for v in done.videos] == [f"{done.key}-{done.video_ids[0]}.mp4"]


def test_avatar_video_cards_carry_script_avatar_and_axes(gallery_campaign: Any) -> None:
    cards = cards_of(gallery_campaign, gallery_campaign.folder)
    teaser = next(
        c
        for c in cards.values()
        if c.kind == "avatar_video"
        and c.script_id == "teaser"
        and c.avatar == "isabelle"
        and dict(c.axes) == {"product": "Trail Boot"}
    )
    assert teaser.script == 'Northwind Boots: "30% off" & free returns on the Trail Boot.'
    assert teaser.avatar_id == "7295705233773068290"
    assert teaser.group == "promo"
    assert teaser.name == "isabelle-teaser-trail-boot"
    assert teaser.videos[0].src is not None and teaser.videos[0].src.startswith("artifacts/gallery/")


def test_refresh_cards_show_strategies_and_their_source_cell(gallery_campaign: Any) -> None:
    refresh = [c for c in cards_of(gallery_campaign, gallery_campaign.folder).values() if c.kind == "refresh_video"]
    assert {c.group for c in refresh} == {"music"}
    assert all(("strategies", "SWAP_MUSIC") in c.details for c in refresh)
    assert {dict(c.axes)["product"] for c in refresh} == {"Trail Boot", "City Boot"}
    assert {c.avatar for c in refresh} == {"isabelle"}
    avatar_keys = {
        c.key for c in cards_of(gallery_campaign, gallery_campaign.folder).values() if c.kind == "avatar_video"
    }
    assert all(dict(c.details)["source"] in avatar_keys for c in refresh)
    assert all(dict(c.details)["stock video id"].startswith("v10033g5") for c in refresh)


def test_a_missing_download_is_named_not_linked(gallery_campaign: Any, tmp_path: Path) -> None:
    cards = cards_of(gallery_campaign, tmp_path)
    key = gallery_campaign.playable[0]
    moved = next((gallery_campaign.folder / "artifacts" / "gallery").glob(f"{key}-*.mp4"))
    parked = moved.rename(tmp_path / moved.name)
    try:
        again = cards_of(gallery_campaign, tmp_path)[key]
    finally:
        parked.rename(moved)
    assert cards[key].videos[0].src is not None
    assert again.videos[0].src is None


def test_filters_list_group_avatar_script_state_and_every_axis(gallery_campaign: Any) -> None:
    cards = tuple(cards_of(gallery_campaign, gallery_campaign.folder).values())
    filters = {f.name: f.values for f in filters_for(cards)}
    assert list(filters) == ["group", "avatar", "script", "state", "product"]
    assert set(filters["group"]) == {"promo", "music"}
    assert set(filters["state"]) == {"succeeded", "failed", "planned", "submitted"}
    assert set(filters["product"]) == {"Trail Boot", "City Boot"}


def test_every_user_text_is_escaped(gallery_campaign: Any) -> None:
    cards = tuple(cards_of(gallery_campaign, gallery_campaign.folder).values())
    page = render_gallery('camp"<script>alert(1)</script>', cards, "x.lock.yaml")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "no video track &lt;in the file&gt; &amp; &#34;nothing&#34; to play" in page
    assert page.count("<script>") == 1  # the page's own, inline
    parser = _CardAttributes()
    parser.feed(page)
    assert len(parser.filters) == len(cards)
    assert {f["state"] for f in parser.filters} == {"succeeded", "failed", "planned", "submitted"}


class _CardAttributes(HTMLParser):
    """Collects each card's data-filters, parsed as JSON the way the page's script does."""

    def __init__(self) -> None:
        super().__init__()
        self.filters: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "article" and values.get("data-filters") is not None:
            self.filters.append(json.loads(values["data-filters"] or ""))


def test_the_page_needs_no_network(gallery_campaign: Any) -> None:
    cards = tuple(cards_of(gallery_campaign, gallery_campaign.folder).values())
    page = render_gallery("gallery", cards, "gallery.lock.yaml")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page and "<link" not in page


def _card(**changes: Any) -> Card:
    from runner.report.cards import CardVideo

    card = Card(
        key="av-0000000000000000",
        kind="avatar_video",
        provider="tiktok",
        addresses=("videos.g[avatar=a]",),
        group="g",
        name="n",
        avatar="a",
        avatar_id="1",
        script_id="s",
        script="hi",
        details=(),
        axes=(),
        state=CardState.SUCCEEDED,
        badge="",
        task_ids=(),
        video_ids=("1",),
        videos=(CardVideo("1", "my videos/a#1.mp4"),),
    )
    return replace(card, **changes)


def test_video_paths_are_url_encoded() -> None:
    assert 'src="my%20videos/a%231.mp4"' in render_gallery("c", (_card(),), "c.lock.yaml")


def test_a_script_in_a_right_to_left_language_sets_its_own_direction() -> None:
    page = render_gallery("c", (_card(script="تخفيضات الشتاء على الأحذية"),), "c.lock.yaml")
    assert '<p class="script" dir="auto">تخفيضات الشتاء' in page


def test_addresses_parse_with_quotes_and_sources() -> None:
    parsed = parse_address('videos.promo[avatar=tom,product="Trail, Boot",n=3]')
    assert (parsed.section, parsed.group) == ("videos", "promo")
    assert parsed.cell == (("avatar", "tom"), ("product", "Trail, Boot"), ("n", "3"))
    assert parse_address("refresh.hooks.source").group == "hooks"
    assert parse_address("refresh.hooks[holiday_theme=BLACK_FRIDAY]").cell == (("holiday_theme", "BLACK_FRIDAY"),)
