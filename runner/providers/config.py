"""Base URLs and credentials from the environment, checked before any request."""

from __future__ import annotations

import os
from collections.abc import Mapping

import httpx

from runner.errors import ConfigError
from runner.providers.budget import DEFAULT_TRANSIENT_ATTEMPTS, DEFAULT_TRANSIENT_SECONDS, TransientLimits
from runner.settings import campaign_number
from runner.vocabulary.providers import Credential, provider, providers


def _default_url(variable: str) -> str:
    """The documented base URL a base-URL variable stands for, as an example in messages."""
    return next((p.default_base_url for p in providers() if p.base_url_variable == variable), "https://host/path")


def check_base_url(variable: str, value: str) -> None:
    """Refuse a base URL no request could be sent to, naming the variable (before any request)."""
    problem = None
    if any(c.isspace() or not c.isprintable() for c in value):
        problem = "it contains spaces or control characters"
    else:
        try:
            url = httpx.URL(value)
        except httpx.InvalidURL as exc:
            problem = f"it cannot be parsed ({exc})"
        else:
            if url.scheme not in ("http", "https"):
                problem = "it must start with http:// or https://"
            elif not url.host:
                problem = "it has no host name"
            elif url.query or url.fragment:
                problem = "it must not carry a query or fragment"
    if problem:
        raise ConfigError(
            f"{variable} is not a usable base URL: {problem}; "
            f"set it like {_default_url(variable)}, or unset it for the provider's default"
        )


def check_credential(variable: str, value: str) -> None:
    """Refuse a credential that cannot be sent as typed, naming the variable and never showing any of its characters."""
    if value != value.strip():
        raise ConfigError(
            f"{variable} starts or ends with whitespace or a line break (often a trailing newline "
            "from a file or a copy); set it again without"
        )
    if not all(" " <= c <= "~" for c in value):
        raise ConfigError(
            f"{variable} contains control or non-ASCII characters, which a request header cannot carry; "
            "copy the value again from the provider's console"
        )


class ProviderSettings:
    """Where each registered provider lives and the credentials for it, read from its variables and checked."""

    __slots__ = ("_values",)

    def __init__(self, variables: Mapping[str, str | None] | None = None) -> None:
        known = {v for spec in providers() for v in (spec.base_url_variable, *(c.variable for c in spec.credentials))}
        self._values: dict[str, str] = {k: v for k, v in (variables or {}).items() if k in known and v}
        for spec in providers():
            check_base_url(spec.base_url_variable, self.base_url(spec.name))
        for spec in providers():
            for credential in spec.credentials:
                value = self._values.get(credential.variable)
                if value is not None:
                    check_credential(credential.variable, value)

    def base_url(self, name: str) -> str:
        """The provider's base URL: its variable, else its documented default."""
        spec = provider(name)
        return self._values.get(spec.base_url_variable) or spec.default_base_url

    def credential(self, variable: str) -> str | None:
        """A credential variable's value; None when unset."""
        return self._values.get(variable)

    def require(self, name: str) -> None:
        """Raise ConfigError naming the variables to set when a provider's credentials are missing."""
        missing = [variable for variable in provider(name).required if not self._values.get(variable)]
        if missing:
            raise ConfigError(
                f"{name} credentials are not set: export {' and '.join(missing)} "
                "(or run with --sandbox to use the bundled emulator)"
            )

    def __repr__(self) -> str:
        def shown(credential: Credential) -> str:
            value = self._values.get(credential.variable)
            return "unset" if value is None else "***" if credential.secret else value

        parts = [
            " ".join(
                [f"{spec.name}={self.base_url(spec.name)}", *(f"{c.variable}={shown(c)}" for c in spec.credentials)]
            )
            for spec in providers()
        ]
        return f"ProviderSettings({', '.join(parts)})"

    __str__ = __repr__


def settings_from_env(environ: Mapping[str, str] | None = None) -> ProviderSettings:
    """Read every registered provider's variables (DESIGN.md's environment)."""
    return ProviderSettings(os.environ if environ is None else environ)


def transient_limits(
    attempts: int | None, seconds: float | None, environ: Mapping[str, str] | None = None
) -> TransientLimits:
    """The run's transient budget: CAMPAIGN_TRANSIENT_* over the campaign's `apply:` block over the defaults."""
    env_attempts = campaign_number("CAMPAIGN_TRANSIENT_ATTEMPTS", environ)
    env_seconds = campaign_number("CAMPAIGN_TRANSIENT_SECONDS", environ)
    return TransientLimits(
        attempts=int(env_attempts if env_attempts is not None else attempts or DEFAULT_TRANSIENT_ATTEMPTS),
        seconds=env_seconds if env_seconds is not None else seconds or DEFAULT_TRANSIENT_SECONDS,
    )
