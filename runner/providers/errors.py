"""Provider errors: each carries provider, endpoint, code, message and request id, never a secret."""

from __future__ import annotations

from runner.errors import CampaignError

GATEWAY_TIMEOUT = 504  # the gateway gave up waiting: the create may have been made behind it


class ProviderError(Exception):
    """A provider refused or failed a request."""

    def __init__(
        self,
        provider: str,
        endpoint: str,
        code: str,
        message: str,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.provider = provider
        self.endpoint = endpoint
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        super().__init__(self.describe())

    def describe(self) -> str:
        """`tiktok /creative/...: 40002 script too long (request_id r1)`."""
        rid = f" (request_id {self.request_id})" if self.request_id else ""
        return f"{self.provider} {self.endpoint}: {self.code} {self.message}{rid}"


class TransientError(ProviderError):
    """Worth retrying: the request had no effect (5xx, busy codes, connect errors)."""


class NotSent(TransientError):
    """No request can have reached the server (connect refused, DNS, invalid URL, TLS): never an attempt."""


class RateLimitedError(TransientError):
    """Too many requests; `retry_after` virtual seconds when the provider said."""

    def __init__(self, *args: object, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class RunStopped(ProviderError, CampaignError):
    """Going on cannot help: the whole run stops with this one message (exit 1)."""


class AuthError(RunStopped):
    """Credentials missing, invalid or expired: stop and tell the user what to set."""

    def __init__(self, *args: object, hint: str = "", **kwargs: object) -> None:
        self.hint = hint
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def describe(self) -> str:
        """The provider's words plus which environment variable to fix."""
        return super().describe() + (f"; {self.hint}" if self.hint else "")


class PermanentError(ProviderError):
    """This request is wrong; retrying cannot help. The job fails, the run goes on."""


class PackageRefused(PermanentError):
    """A create of several packages refused as a whole: `package` is the position of the one the provider named
    (its words, without the position, are about that package alone), None when it named none."""

    def __init__(self, *args: object, package: int | None = None, **kwargs: object) -> None:
        self.package = package
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class OutcomeUnknown(ProviderError):
    """A create may or may not have taken effect (reply lost after sending, or a gateway 5xx): never re-sent blindly."""

    @property
    def answered(self) -> bool:
        """An error answer came back (HTTP 5xx other than a gateway timeout), not silence or a timeout.

        Such a create that nothing is found of made nothing; one that went unanswered may have been made and
        failed where no listing shows it.
        """
        return self.http_status is not None and self.http_status != GATEWAY_TIMEOUT


class TransientBudgetExhausted(RunStopped):
    """Transient trouble lasted longer than the run's budget (attempts or seconds): stop, never hang."""

    nothing_sent = False  # raised by a call of which no attempt can have reached the provider

    def unsent(self) -> TransientBudgetExhausted:
        """The same stop, as raised by a call that never reached the provider (its create surely did not happen)."""
        copy = TransientBudgetExhausted(
            self.provider, self.endpoint, self.code, self.message, self.request_id, self.http_status
        )
        copy.nothing_sent = True
        return copy
