"""TikTok's script rule: "Do not use emojis or special characters because they cannot be recognized."

The same page says "Supported language: All languages", so letters, marks, digits, punctuation and
the symbols of any script stay allowed. The emulator reads "emojis" as pictographs and the pieces of
emoji sequences (skin tones, flags, the emoji presentation selector, keycaps), and "special
characters" as what cannot be spoken or seen: control, format, private-use and unassigned code
points, and line or paragraph separators. Plain whitespace stays, and so do the zero-width joiners
that some scripts (Persian, Indic) need inside words.
"""

from __future__ import annotations

import unicodedata

import regex

_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\uFE0F\u20E3]")
_SPOKEN_WHITESPACE = frozenset(" \t\n\r")
_WORD_JOINERS = frozenset("\u200c\u200d")
_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def _special(char: str) -> bool:
    if char in _SPOKEN_WHITESPACE or char in _WORD_JOINERS:
        return False
    return unicodedata.category(char) in _UNSEEN_CATEGORIES


def unreadable_characters(script: str) -> list[str]:
    """The distinct emoji and special characters of a script, in order of first appearance."""
    return [char for char in dict.fromkeys(script) if _EMOJI.match(char) or _special(char)]
