"""Every fact in runner/sandbox/docs_facts/zego.py, read back from the ZEGO doc (or DESIGN.md) where stated."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest

from runner.sandbox.docs_facts import zego as facts
from runner.sandbox.zego import signature
from tests.sandbox.docs_facts.conftest import DocText, stated

LIST = "zego-digital-human-list.md"
OFFSET = r"ranging from \[(\d+), (\d+)\]\. If not specified, defaults to (\d+)\."
LIMIT = r"Ranges from \[(\d+), (\d+)\]\. If not specified, defaults to (\d+)\."

STATED: dict[str, tuple[str, Callable[[str], Any]]] = {
    "ACTION": (LIST, lambda d: stated(d, "Request URL:", r"\?Action=(\w+)")[0]),
    "QPS": (LIST, lambda d: int(stated(d, "Request prototype", r"QPS limit: (\d+) times/second")[0])),
    "FETCH_MODES": (LIST, lambda d: tuple(int(m) for m in re.findall(r"• (\d): Fetch", d))),
    "FETCH_MODE_DEFAULT": (LIST, lambda d: int(stated(d, "FetchMode", r"If not specified, defaults to (\d+)\.")[0])),
    "OFFSET_MIN": (LIST, lambda d: int(stated(d, "OffsetNumber", OFFSET)[0])),
    "OFFSET_MAX": (LIST, lambda d: int(stated(d, "OffsetNumber", OFFSET)[1])),
    "OFFSET_DEFAULT": (LIST, lambda d: int(stated(d, "OffsetNumber", OFFSET)[2])),
    "LIMIT_MIN": (LIST, lambda d: int(stated(d, "LimitNumber", LIMIT)[0])),
    "LIMIT_MAX": (LIST, lambda d: int(stated(d, "LimitNumber", LIMIT)[1])),
    "LIMIT_DEFAULT": (LIST, lambda d: int(stated(d, "LimitNumber", LIMIT)[2])),
    "CODE_OK": (LIST, lambda d: int(stated(d, "CodeNumber", r"Return code\. (\d+) indicates success")[0])),
    "SIGNATURE_VERSION": ("DESIGN.md", lambda d: stated(d, "ZEGO digital human", r"SignatureVersion=([\d.]+)")[0]),
}

# ZEGO's common parameters and return codes live on pages the api-docs only link to ("Return Codes").
COMMON = {
    "SIGNATURE_WINDOW_SECONDS",
    "CODE_RATE_LIMITED",
    "CODE_INVALID_INPUT",
    "CODE_SIGNATURE_EXPIRED",
    "CODE_SIGNATURE_ERROR",
    "CODE_INTERNAL_ERROR",
    "COMMON_CODES",
}


def test_every_fact_is_read_back_or_marked_as_common() -> None:
    public = {name for name in vars(facts) if name.isupper()}
    assert public == set(STATED) | COMMON
    assert not set(STATED) & COMMON


@pytest.mark.parametrize("name", sorted(STATED))
def test_fact_matches_the_doc(doc: DocText, name: str) -> None:
    where, read = STATED[name]
    assert getattr(facts, name) == read(doc(where))


def test_common_codes_agree_with_their_names() -> None:
    assert facts.COMMON_CODES[facts.CODE_SIGNATURE_EXPIRED] == "signature expired"
    assert facts.COMMON_CODES[facts.CODE_SIGNATURE_ERROR] == "signature error"
    assert facts.COMMON_CODES[facts.CODE_INTERNAL_ERROR] == "internal gateway error"
    assert facts.CODE_OK not in facts.COMMON_CODES and facts.CODE_RATE_LIMITED not in facts.COMMON_CODES


def test_design_repeats_the_limits_and_the_signature(doc: DocText) -> None:
    design = doc("DESIGN.md")
    assert f"`Limit` {facts.LIMIT_MIN}–{facts.LIMIT_MAX}, {facts.QPS} QPS" in design
    assert f"`Code` {facts.CODE_OK} = OK" in design
    (parts,) = stated(design, "ZEGO digital human", r"Signature=md5\(([\w+]+)\)` hex")
    values = {"AppId": "1000001", "SignatureNonce": "n0nce", "ServerSecret": "secret", "Timestamp": "1700000000"}
    expected = hashlib.md5("".join(values[p] for p in parts.split("+")).encode()).hexdigest()
    assert signature("1000001", "n0nce", "secret", "1700000000") == expected
