"""How output should look where it lands: colors, live redraws, CI logs and GitHub annotations."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

_FALSE_WORDS = ("", "0", "false", "no")


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() not in _FALSE_WORDS


def color_refused(env: Mapping[str, str] | None = None) -> bool:
    """True when the environment asks for no color: `NO_COLOR` (any non-empty value) or `TERM=dumb`."""
    env = os.environ if env is None else env
    return bool(env.get("NO_COLOR")) or env.get("TERM") == "dumb"


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    """True on a CI runner (`CI` set, as GitHub Actions, GitLab and most others do)."""
    return _flag(os.environ if env is None else env, "CI")


def in_github_actions(env: Mapping[str, str] | None = None) -> bool:
    """True inside a GitHub Actions job, where `::error file=…::` lines become annotations."""
    return _flag(os.environ if env is None else env, "GITHUB_ACTIONS")


def live_redraws(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Whether a status line may be redrawn in place: an interactive terminal that moves the cursor, not CI."""
    env = os.environ if env is None else env
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
    return tty and env.get("TERM") != "dumb" and not in_ci(env)


def shows_private(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Whether a capability URL may be shown on `stream`: a person's terminal, never a log (CI, a pipe, a file)."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and not in_ci(env)


def consent_ask(url: str | None, stream: TextIO) -> str:
    """What a twin's subject must do: the consent URL on a terminal; elsewhere, where to see it (a log would keep it)."""
    if url is None:
        return "its subject has not approved yet"
    if shows_private(stream):
        return f"its subject must approve at {url}"
    return (
        "its subject must approve at a consent URL shown on a terminal only (a log would keep it): "
        "run `campaign status SPEC --refresh` on one"
    )


def github_annotation(level: str, message: str, *, file: str = "", line: int = 0, col: int = 0) -> str:
    """One GitHub Actions workflow command, e.g. `::error file=a.yaml,line=3,col=1::unknown key`."""
    props = []
    if file:
        props.append(f"file={_escape_property(file)}")
        if line > 0:
            props.append(f"line={line}")
            if col > 0:
                props.append(f"col={col}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
