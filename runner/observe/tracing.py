"""OpenTelemetry spans of a run (run, step, job, provider request), exported over OTLP/HTTP when asked for.

Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; then the SDK is imported (exit 1 naming the pip command when it is
missing) and the run joins the caller's trace from TRACEPARENT. Attributes are names, keys, counts and endpoints:
never a credential, a URL's query or a script's text.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.observe.optional import optional_module

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
PARENT_VARIABLE = "TRACEPARENT"
Attributes = Mapping[str, str | int | float | bool]


@dataclass
class _Tracing:
    tracer: Any
    provider: Any
    run_context: Any
    trace_api: Any
    job_starts: dict[str, int] = field(default_factory=dict)


_active: _Tracing | None = None
_lock = threading.Lock()


@dataclass
class RequestTrace:
    """What a provider request's span records once it is answered: its outcome and its retries."""

    outcome: str = "ok"
    retries: int = 0
    http_status: int | None = None


def _start(command: str, campaign: str) -> tuple[_Tracing, Any]:
    """A tracer exporting to the OTLP endpoint, and the run's span under the caller's TRACEPARENT."""
    asked = f"{ENDPOINT_VARIABLE}=..."
    trace_api = optional_module("opentelemetry.trace", "otel", asked)
    sdk = optional_module("opentelemetry.sdk.trace", "otel", asked)
    export = optional_module("opentelemetry.sdk.trace.export", "otel", asked)
    resources = optional_module("opentelemetry.sdk.resources", "otel", asked)
    otlp = optional_module("opentelemetry.exporter.otlp.proto.http.trace_exporter", "otel", asked)
    propagation = optional_module("opentelemetry.trace.propagation.tracecontext", "otel", asked)
    provider = sdk.TracerProvider(resource=resources.Resource.create({"service.name": "campaign"}))
    provider.add_span_processor(export.BatchSpanProcessor(otlp.OTLPSpanExporter()))
    tracer = provider.get_tracer("campaign")
    parent = propagation.TraceContextTextMapPropagator().extract({"traceparent": os.environ.get(PARENT_VARIABLE, "")})
    root = tracer.start_span(
        f"campaign {command}", context=parent, attributes={"campaign": campaign, "command": command}
    )
    state = _Tracing(tracer, provider, trace_api.set_span_in_context(root), trace_api)
    return state, root


@contextlib.contextmanager
def run_span(command: str, campaign: str) -> Iterator[None]:
    """The span of one command's run; every span of the run is its descendant. A no-op without an endpoint."""
    global _active
    if not os.environ.get(ENDPOINT_VARIABLE, "").strip() or _active is not None:
        yield
        return
    state, root = _start(command, campaign)
    _active = state
    try:
        with state.trace_api.use_span(root, end_on_exit=False):
            yield
    except BaseException as exc:
        root.set_attribute("error", type(exc).__name__)
        raise
    finally:
        _active = None
        root.end()
        state.provider.shutdown()  # exports what is left; a collector that is down costs a warning in its log only


def _parent(state: _Tracing) -> Any:
    """The current span's context on the run's own thread; the run's on worker threads."""
    current = state.trace_api.get_current_span()
    return None if current.get_span_context().is_valid else state.run_context


@contextlib.contextmanager
def step_span(name: str) -> Iterator[None]:
    """A named step of the run (plan, execute...)."""
    state = _active
    if state is None:
        yield
        return
    with state.tracer.start_as_current_span(f"step {name}", context=_parent(state), attributes={"step": name}):
        yield


def job_started(key: str) -> None:
    """Remember when a job's create was accepted: its span starts there."""
    state = _active
    if state is not None:
        with _lock:
            state.job_starts.setdefault(key, time.time_ns())


def job_finished(key: str, attributes: Attributes) -> None:
    """One span per job that ended in this run, from its accepted create (or now) to now."""
    state = _active
    if state is None:
        return
    with _lock:
        start = state.job_starts.pop(key, None) or time.time_ns()
    span = state.tracer.start_span(
        f"job {key}", context=state.run_context, start_time=start, attributes={"job.key": key, **attributes}
    )
    span.end()


@contextlib.contextmanager
def request_span(provider: str, method: str, endpoint: str) -> Iterator[RequestTrace]:
    """A provider request with its retries; `endpoint` is the path only (no query, no host credentials)."""
    traced = RequestTrace()
    state = _active
    if state is None:
        yield traced
        return
    attributes = {"provider": provider, "http.method": method, "endpoint": endpoint}
    with state.tracer.start_as_current_span(f"{provider} {method} {endpoint}", context=_parent(state)) as span:
        span.set_attributes(attributes)
        try:
            yield traced
        finally:
            span.set_attribute("outcome", traced.outcome)
            span.set_attribute("retries", traced.retries)
            if traced.http_status is not None:
                span.set_attribute("http.status_code", traced.http_status)
