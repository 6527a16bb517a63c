"""Render gallery cards as one self-contained HTML page (inline CSS and JS, every value escaped)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

import jinja2

from runner.paths import package_text
from runner.report.cards import Card, CardState

FIXED_FILTERS = (("group", "group"), ("avatar", "avatar"), ("script", "script"), ("state", "state"))


@dataclass(frozen=True, slots=True)
class Filter:
    """One drop-down: the card field it filters on and the values present."""

    name: str
    label: str
    values: tuple[str, ...]


def filters_for(cards: tuple[Card, ...]) -> tuple[Filter, ...]:
    """Group, avatar, state, then every matrix axis, each with its values in first-seen order."""
    names = [name for name, _ in FIXED_FILTERS]
    for card in cards:
        names.extend(axis for axis, _ in card.axes if axis not in names)
    labels = dict(FIXED_FILTERS)
    result = []
    for name in names:
        values = tuple(dict.fromkeys(card.filters.get(name, "") for card in cards))
        result.append(Filter(name, labels.get(name, name.replace("_", " ")), values))
    return tuple(result)


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["urlpath"] = lambda path: quote(str(path), safe="/")
    # A plain str, so autoescape escapes the quotes for the attribute (Jinja's tojson would not).
    env.filters["json_attr"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
    return env.from_string(package_text("report", "gallery.html.j2"))


def render_gallery(
    campaign: str, cards: tuple[Card, ...], lock_name: str, sandbox: bool = False, notes: tuple[str, ...] = ()
) -> str:
    """The gallery page as a string; deterministic for the same cards; `notes` (disclosure, signing) under the title."""
    counted = Counter(card.state for card in cards)
    counts = [(str(state), counted[state]) for state in CardState if counted[state]]
    twins = sum(1 for card in cards if card.is_twin)
    return _template().render(
        campaign=campaign,
        cards=cards,
        filters=filters_for(cards),
        counts=counts,
        lock_name=lock_name,
        sandbox=sandbox,
        videos=len(cards) - twins,
        twins=twins,
        notes=notes,
    )
