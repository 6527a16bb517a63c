"""The failure codes the tool itself records (a provider's own codes are kept as it sends them)."""

from __future__ import annotations

from enum import StrEnum

from runner.vocabulary.providers import providers


class ErrorCode(StrEnum):
    """A job's `error.code` written by the engine, and whether a later apply may retry it (within max_retries)."""

    TASK_FAILED = "TASK_FAILED"  # the provider's task failed
    RENDER_FAILED = "RENDER_FAILED"  # a HeyGen render failed
    TASK_LOST = "TASK_LOST"  # the provider no longer knows the task ids
    CREATE_LOST = "CREATE_LOST"  # a create's reply was lost and nothing it made was found: an attempt
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
    CHECK_FAILED = "post_render_check"  # the downloaded video failed its post-render check
    CREATE_REFUSED = "CREATE"  # the provider returned no task for a package
    NO_URL = "NO_URL"  # a finished video without a URL to fetch it from
    CONSENT_REFUSED = "CONSENT_REFUSED"  # a twin's subject did not consent
    TRAINING_FAILED = "TRAINING_FAILED"  # a twin's training failed
    CONNECT = "CONNECT"  # written by older versions
    NO_REPLY = "NO_REPLY"  # written by older versions

    @property
    def retryable(self) -> bool:
        """Whether a later apply may create the job again; any other code is a refusal of the request itself."""
        return self in _RETRYABLE


_RETRYABLE = frozenset(
    {
        ErrorCode.TASK_FAILED,
        ErrorCode.RENDER_FAILED,
        ErrorCode.TASK_LOST,
        ErrorCode.CREATE_LOST,
        ErrorCode.OUTCOME_UNKNOWN,
        ErrorCode.CHECK_FAILED,
        ErrorCode.CONNECT,
        ErrorCode.NO_REPLY,
    }
)


def retryable(code: str | None, provider: str | None = None) -> bool:
    """Whether a recorded error code (the tool's, or one the provider's entry says holds for now) lets a later
    apply retry the job."""
    if code in _RETRYABLE:
        return True
    entry = next((p for p in providers() if p.name == provider), None)
    return entry is not None and code in entry.retry_later_codes
