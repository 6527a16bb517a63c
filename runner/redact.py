"""Keep secrets out of anything printed: credential values from the environment become `***`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from runner.vocabulary.providers import secret_variables

URL_VARIABLES = ("CAMPAIGN_STATE_URL", "CAMPAIGN_RATE_URL")
_SECRET_NAME = re.compile(r"(TOKEN|SECRET|API_KEY|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words; no real credential is that short
MASK = "***"


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """The values of the credential variables set in `env`, longest first."""
    env = os.environ if env is None else env
    names = set(secret_variables()) | {name for name in env if _SECRET_NAME.search(name)}
    values = set()
    for name in URL_VARIABLES:  # the password inside a backend URL
        try:
            password = urlsplit(env.get(name) or "").password
        except ValueError:
            password = None
        if password and len(password) >= _MIN_SECRET_LENGTH:
            values.add(password)
    for name in names:
        value = env.get(name) or ""
        for variant in (value, value.strip()):
            if len(variant) >= _MIN_SECRET_LENGTH:
                values.add(variant)
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with every secret value, and every non-ASCII character of one, replaced."""
    secrets = list(secret_values() if secrets is None else secrets)
    for value in secrets:
        for form in _spellings(value):  # as typed, and as it appears inside a repr, escapes and all
            text = text.replace(form, MASK)
    for char in {c for value in secrets for c in value if not c.isascii()}:
        # An encoding error quotes the one character it could not encode; that character is part of a secret.
        for form in _spellings(char):
            text = text.replace(form, "?")
    return text


def _spellings(value: str) -> set[str]:
    return {value, repr(value)[1:-1], ascii(value)[1:-1]}


def redact_url(url: str) -> str:
    """A URL without the password in its user part (`postgresql://app:***@db/campaigns`)."""
    return re.sub(r"(://[^:/@\s]*):[^@/\s]*@", r"\1:***@", url)
