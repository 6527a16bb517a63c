"""The approvals file: deterministic text, signatures bound to key and digest, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.approvals.book import ApprovalsError, Book, Signature, dumps, read_book, write_book

LEGAL = Signature("legal", "dana", "2026-12-03T10:00:00Z", "claims checked")
BRAND = Signature("brand", "sam", "2026-12-03T11:00:00Z")


def test_a_book_round_trips_byte_for_byte_and_sorts(tmp_path: Path) -> None:
    book = (
        Book("c")
        .signed("av-2", "sha256:b", ["videos.g[x=2]"], BRAND)
        .signed("av-1", "sha256:a", ["videos.g[x=1]"], LEGAL)
    )
    book = book.signed("av-1", "sha256:a", ["videos.g[x=1]"], BRAND)
    path = tmp_path / "c.approvals.yaml"
    write_book(path, book)
    again = read_book(path, "c")
    assert again == book and dumps(again) == path.read_text()
    text = path.read_text()
    assert text.index("av-1") < text.index("av-2") and text.index("role: brand") < text.index("role: legal")
    assert "note: claims checked" in text and text.count("note:") == 1


def test_a_signature_holds_only_for_its_key_and_digest() -> None:
    book = Book("c").signed("av-1", "sha256:a", ["a"], LEGAL)
    assert book.signatures("av-1", "sha256:a") == (LEGAL,)
    assert book.signatures("av-1", "sha256:other") == ()
    assert book.signatures("av-2", "sha256:a") == ()
    changed = book.signed("av-1", "sha256:new", ["a"], BRAND)  # new content: earlier signatures do not carry over
    assert changed.signatures("av-1", "sha256:new") == (BRAND,)


def test_signing_again_replaces_and_revoking_removes() -> None:
    later = Signature("legal", "dana", "2026-12-04T09:00:00Z", "again")
    book = Book("c").signed("av-1", "sha256:a", ["a"], LEGAL).signed("av-1", "sha256:a", ["a"], later)
    assert book.signatures("av-1", "sha256:a") == (later,)
    book = book.signed("av-1", "sha256:a", ["a"], BRAND)
    fewer, gone = book.revoked("av-1", "dana", "brand")
    assert gone == 0 and fewer == book
    fewer, gone = book.revoked("av-1", "dana", None)
    assert gone == 1 and fewer.signatures("av-1", "sha256:a") == (BRAND,)
    empty, gone = fewer.revoked("av-1", "sam", None)
    assert gone == 1 and "av-1" not in empty.entries


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("<<<<<<< HEAD\nversion: 1\n=======\nversion: 1\n>>>>>>> other\n", "merge-conflict markers"),
        ("version: 2\napprovals: {}\n", "not an approvals file"),
        ("version: 1\napprovals: [\n", "not an approvals file"),
        ("version: 1\napprovals: {av-1: {digest: x}}\n", "not an approvals file"),
    ],
)
def test_a_broken_file_is_one_clear_error(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "c.approvals.yaml"
    path.write_text(text)
    with pytest.raises(ApprovalsError) as caught:
        read_book(path, "c")
    assert str(caught.value).startswith(f"{path}:") and words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_no_file_is_an_empty_book(tmp_path: Path) -> None:
    assert read_book(tmp_path / "none.approvals.yaml", "c") == Book("c")
