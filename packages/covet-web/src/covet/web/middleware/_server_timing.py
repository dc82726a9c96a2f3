"""The ``Server-Timing`` response header: how long the app took, plus metrics you add.

Browsers show these in their developer tools (Network → Timing). Record your own with
:func:`add_server_timing` or the :func:`server_timing` context manager from any code
running for the request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .._types import ASGIApp, Message, Receive, Scope, Send

_metrics: ContextVar[list[str] | None] = ContextVar("covet_web_server_timing", default=None)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _format(name: str, duration_ms: float | None, description: str | None) -> str:
    if not _TOKEN.fullmatch(name):
        raise ValueError(
            f"invalid Server-Timing metric name {name!r}: use letters, digits and -._ only"
        )
    parts = [name]
    if duration_ms is not None:
        parts.append(f"dur={duration_ms:.3f}")
    if description is not None:
        escaped = description.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'desc="{escaped}"')
    return ";".join(parts)


def add_server_timing(
    name: str, duration_ms: float | None = None, description: str | None = None
) -> None:
    """Add a metric to this response's ``Server-Timing`` header.

    Does nothing outside :class:`ServerTimingMiddleware` or after the headers were sent.
    ``add_server_timing("db", 4.2, "3 queries")`` → ``db;dur=4.200;desc="3 queries"``.
    """
    metrics = _metrics.get()
    entry = _format(name, duration_ms, description)
    if metrics is not None:
        metrics.append(entry)


@contextmanager
def server_timing(name: str, description: str | None = None) -> Iterator[None]:
    """Time the ``with`` block and add it as a ``Server-Timing`` metric."""
    started = time.perf_counter()
    try:
        yield
    finally:
        add_server_timing(name, (time.perf_counter() - started) * 1000.0, description)


class ServerTimingMiddleware:
    """Add ``Server-Timing: app;dur=<ms>`` (time until the response headers) to responses.

    Metrics recorded with :func:`add_server_timing` during the request come first.
    Timing data can reveal what the server does; expose it to trusted clients only
    (e.g. enable it in staging, or wrap it in your own check).
    """

    def __init__(self, app: ASGIApp, *, metric_name: str = "app") -> None:
        _format(metric_name, None, None)  # validate now, not per request
        self.app = app
        self.metric_name = metric_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics: list[str] = []
        token = _metrics.set(metrics)
        started = time.perf_counter()
        metric_name = self.metric_name

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000.0
                entries = [*metrics, f"{metric_name};dur={elapsed:.3f}"]
                metrics.clear()
                headers = list(message.get("headers", ()))
                headers.append((b"server-timing", ", ".join(entries).encode("latin-1", "replace")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            _metrics.reset(token)
