"""The request loop shared by the clients: pacing, sending, classifying, retrying."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

from runner.clock import Clock, RealClock
from runner.observe.metrics import count_rate_limited
from runner.observe.tracing import RequestTrace, request_span
from runner.providers.budget import TransientBudget
from runner.providers.errors import (
    GATEWAY_TIMEOUT,
    NotSent,
    OutcomeUnknown,
    ProviderError,
    RateLimitedError,
    RunStopped,
    TransientBudgetExhausted,
    TransientError,
)
from runner.providers.ratelimit import Limiters
from runner.providers.retry import RetryPolicy

# Never let httpx log request lines: URLs may carry signatures (ZEGO).
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class Call:
    """One logical API call."""

    method: str
    path: str
    params: Mapping[str, str] | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None
    idempotent: bool = True
    content: Callable[[], Iterator[bytes]] | None = None  # a JSON body streamed in chunks, made afresh per attempt


Classifier = Callable[[Call, httpx.Response], Any]

_send_gate: ContextVar[Callable[[], None] | None] = ContextVar("send_gate", default=None)


@contextmanager
def gated(gate: Callable[[], None]) -> Iterator[None]:
    """Within the block (on this thread), `gate` runs right before each request is sent; it raises to stop one."""
    token = _send_gate.set(gate)
    try:
        yield
    finally:
        _send_gate.reset(token)


class HttpApi:
    """A provider's base URL, an httpx client, a retry policy, the run's transient budget, and a request counter."""

    provider = "provider"

    def __init__(
        self,
        base_url: str,
        *,
        clock: Clock | None,
        retry: RetryPolicy | None,
        transport: httpx.BaseTransport | None,
        headers: Mapping[str, str],
        budget: TransientBudget | None = None,
    ) -> None:
        self.clock = clock or RealClock()
        self.retry = retry or RetryPolicy()
        self.budget = budget or TransientBudget(self.clock)
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=dict(headers), timeout=TIMEOUT, transport=transport
        )
        self._count_lock = threading.Lock()
        self.request_count = 0

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> HttpApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has_envelope(self, response: httpx.Response) -> bool:
        """Whether a reply is in the provider's own JSON shape (the provider answered, not a gateway)."""
        try:
            return isinstance(response.json(), dict)
        except ValueError:
            return False

    def send(
        self,
        call: Call,
        classify: Classifier,
        limiters: Limiters | None = None,
        params: Callable[[], Mapping[str, str]] | None = None,
    ) -> Any:
        """Send with pacing and retries; `classify` returns data or raises a ProviderError (traced when asked for)."""
        with request_span(self.provider, call.method, call.path) as traced:
            try:
                return self._send(call, classify, limiters, params, traced)
            except ProviderError as exc:
                traced.outcome, traced.http_status = exc.code, exc.http_status
                raise

    def _send(
        self,
        call: Call,
        classify: Classifier,
        limiters: Limiters | None,
        params: Callable[[], Mapping[str, str]] | None,
        traced: RequestTrace,
    ) -> Any:
        attempt, sent = 0, False
        while True:
            self._within_budget(sent)
            attempt += 1
            traced.retries = attempt - 1
            try:
                result = self._attempt(call, classify, limiters, params)
            except TransientError as exc:
                sent = sent or not isinstance(exc, NotSent)
                self._within_budget(sent, exc)
                if isinstance(exc, RateLimitedError):
                    count_rate_limited(self.provider)
                if (isinstance(exc, NotSent) and exc.code == "INVALID_URL") or not self.retry.should_retry(attempt):
                    raise
                wait = self.retry.delay(attempt, exc.retry_after if isinstance(exc, RateLimitedError) else None)
                if isinstance(exc, RateLimitedError) and limiters is not None:
                    for limiter in limiters.limiters:
                        limiter.penalise(wait)
                self.clock.sleep(wait)
                continue
            except (OutcomeUnknown, RunStopped):
                raise
            except ProviderError:  # a definite answer: the provider is there
                self.budget.answered()
                raise
            self.budget.answered()
            return result

    def _within_budget(self, sent: bool, failure: TransientError | None = None) -> None:
        """Count a failure (if any); once the budget is spent, stop, saying whether this call reached the provider."""
        try:
            if failure is None:
                self.budget.check()
            else:
                self.budget.failed(failure)
        except TransientBudgetExhausted as spent:
            if sent:
                raise
            raise spent.unsent() from None

    def _attempt(
        self,
        call: Call,
        classify: Classifier,
        limiters: Limiters | None,
        params: Callable[[], Mapping[str, str]] | None,
    ) -> Any:
        """One request: a result, or a ProviderError saying what is known about its effect."""
        slots = limiters.acquire() if limiters is not None else []
        query = {**(call.params or {}), **(params() if params else {})}
        try:
            gate = _send_gate.get()
            if gate is not None:
                gate()  # after any wait for a rate slot: as late as the request can still be held back
            with self._count_lock:
                self.request_count += 1
            if call.content is not None:
                headers = {**(call.headers or {}), "Content-Type": "application/json"}
                response = self._http.request(
                    call.method, call.path, params=query or None, content=call.content(), headers=headers
                )
            else:
                response = self._http.request(
                    call.method, call.path, params=query or None, json=call.json, headers=call.headers
                )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise NotSent(
                self.provider,
                call.path,
                "INVALID_URL",
                f"the {self.provider} base URL is not usable ({_transport_message(exc)}); nothing was sent",
            ) from None
        except _NEVER_SENT as exc:
            raise NotSent(
                self.provider, call.path, "CONNECT", f"could not connect ({_transport_message(exc)}); nothing was sent"
            ) from None
        except httpx.TransportError as exc:
            if not call.idempotent:
                raise OutcomeUnknown(
                    self.provider,
                    call.path,
                    "NO_REPLY",
                    f"the reply was lost after sending ({_transport_message(exc)})",
                ) from None
            raise TransientError(self.provider, call.path, "NO_REPLY", _transport_message(exc)) from None
        finally:
            Limiters.complete(slots)
        status = response.status_code
        if not call.idempotent and status >= 500 and (status in GATEWAY_STATUSES or not self.has_envelope(response)):
            # A gateway answered, not the provider: the create may have been processed behind it.
            raise OutcomeUnknown(
                self.provider,
                call.path,
                f"HTTP {status}",
                "a gateway error came back after sending; the create may have taken effect",
                http_status=status,
            )
        return classify(call, response)


# Failures raised before a single byte of the request can have reached the server.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.LocalProtocolError)
GATEWAY_STATUSES = frozenset({502, 503, GATEWAY_TIMEOUT})


def _transport_message(exc: Exception) -> str:
    # The exception text of httpx never includes headers; the URL is left out on purpose.
    return type(exc).__name__


def json_body(provider: str, call: Call, response: httpx.Response) -> Any:
    """Decode a JSON reply, or classify an unreadable one (5xx = transient)."""
    try:
        return response.json()
    except ValueError:
        if response.status_code >= 500:
            raise TransientError(
                provider, call.path, f"HTTP {response.status_code}", "server error", http_status=response.status_code
            ) from None
        raise ProviderError(
            provider, call.path, f"HTTP {response.status_code}", "reply is not JSON", http_status=response.status_code
        ) from None
