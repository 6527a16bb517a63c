"""The request loop shared by the clients: pacing, sending, classifying, retrying."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import httpx

from runner.clock import Clock, RealClock
from runner.providers.errors import OutcomeUnknown, ProviderError, RateLimitedError, TransientError
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


Classifier = Callable[[Call, httpx.Response], Any]


class HttpApi:
    """A provider's base URL, an httpx client, a retry policy, and a request counter."""

    provider = "provider"

    def __init__(self, base_url: str, *, clock: Clock | None, retry: RetryPolicy | None,
                 transport: httpx.BaseTransport | None, headers: Mapping[str, str]) -> None:
        self.clock = clock or RealClock()
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=dict(headers), timeout=TIMEOUT, transport=transport)
        self._count_lock = threading.Lock()
        self.request_count = 0

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> HttpApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, call: Call, classify: Classifier, limiters: Limiters | None = None,
             params: Callable[[], Mapping[str, str]] | None = None) -> Any:
        """Send with pacing and retries; `classify` returns data or raises a ProviderError."""
        attempt = 0
        while True:
            attempt += 1
            slots = limiters.acquire() if limiters is not None else []
            query = {**(call.params or {}), **(params() if params else {})}
            try:
                with self._count_lock:
                    self.request_count += 1
                try:
                    response = self._http.request(call.method, call.path, params=query or None, json=call.json, headers=call.headers)
                finally:
                    Limiters.complete(slots)
                return classify(call, response)
            except RateLimitedError as exc:
                if not self.retry.should_retry(attempt):
                    raise
                wait = self.retry.delay(attempt, exc.retry_after)
                if limiters is not None:
                    for limiter in limiters.limiters:
                        limiter.penalise(wait)
                self.clock.sleep(wait)
            except TransientError:
                if not self.retry.should_retry(attempt):
                    raise
                self.clock.sleep(self.retry.delay(attempt))
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing reached the server: safe to retry even a create.
                if not self.retry.should_retry(attempt):
                    raise TransientError(self.provider, call.path, "CONNECT", f"could not connect ({_transport_message(exc)}); check the {self.provider} base URL and network") from None
                self.clock.sleep(self.retry.delay(attempt))
            except httpx.TransportError as exc:
                if not call.idempotent:
                    raise OutcomeUnknown(self.provider, call.path, "NO_REPLY",
                                         f"the reply was lost after sending ({_transport_message(exc)})") from None
                if not self.retry.should_retry(attempt):
                    raise TransientError(self.provider, call.path, "NO_REPLY", _transport_message(exc)) from None
                self.clock.sleep(self.retry.delay(attempt))


def _transport_message(exc: httpx.TransportError) -> str:
    # The exception text of httpx never includes headers; the URL is left out on purpose.
    return type(exc).__name__


def json_body(provider: str, call: Call, response: httpx.Response) -> Any:
    """Decode a JSON reply, or classify an unreadable one (5xx = transient)."""
    try:
        return response.json()
    except ValueError:
        if response.status_code >= 500:
            raise TransientError(provider, call.path, f"HTTP {response.status_code}", "server error",
                                 http_status=response.status_code) from None
        raise ProviderError(provider, call.path, f"HTTP {response.status_code}", "reply is not JSON",
                            http_status=response.status_code) from None
