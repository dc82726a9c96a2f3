"""Reject requests whose ``Host`` header names a host this application does not serve.

A forged Host poisons absolute URLs (password-reset links, redirects, cache keys); listing
the hosts closes that door. WebSocket handshakes are checked too and refused with close
code 1008 (policy violation).
"""

from __future__ import annotations

from collections.abc import Iterable

from .._types import ASGIApp, Receive, Scope, Send
from ..errors import ConfigurationError
from ._replies import header, request_target, send_problem, send_redirect


def split_host(value: str) -> str:
    """The host part of a ``Host`` header, lower-cased, without port: ``[::1]:80`` → ``::1``."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end != -1 else ""
    return value.partition(":")[0]


class TrustedHostMiddleware:
    """Answer 400 unless the request's ``Host`` is in ``allowed_hosts``.

    Patterns: ``"example.com"`` (exactly), ``"*.example.com"`` (any subdomain, not the apex),
    ``"*"`` (anything). With ``www_redirect`` (the default), a request for ``example.com``
    when ``www.example.com`` is listed (exactly) is redirected there.
    """

    def __init__(
        self, app: ASGIApp, allowed_hosts: Iterable[str], *, www_redirect: bool = True
    ) -> None:
        hosts = [h.strip().lower() for h in allowed_hosts]
        if not hosts:
            raise ConfigurationError(
                "allowed_hosts is empty: list the hosts to serve, or '*' for any"
            )
        for pattern in hosts:
            if (
                "*" in pattern
                and pattern != "*"
                and not (pattern.startswith("*.") and "*" not in pattern[2:])
            ):
                raise ConfigurationError(
                    f"invalid allowed host {pattern!r}: a wildcard may only appear as "
                    "'*' or as a leading '*.' (e.g. '*.example.com')"
                )
        self.app = app
        self.allow_any = "*" in hosts
        self.exact = frozenset(h for h in hosts if not h.startswith("*."))
        self.suffixes = tuple(h[1:] for h in hosts if h.startswith("*."))  # ".example.com"
        self.www_redirect = www_redirect

    def is_allowed(self, host: str) -> bool:
        """Whether ``host`` (already without port, lower-case) matches a pattern."""
        return (
            self.allow_any
            or host in self.exact
            or (bool(host) and host.endswith(self.suffixes) if self.suffixes else False)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = header(scope, b"host")
        host = split_host(raw.decode("latin-1")) if raw else ""
        if self.is_allowed(host):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "Invalid host"})
            return
        if self.www_redirect and host and "www." + host in self.exact:
            assert raw is not None
            scheme = scope.get("scheme", "http")
            location = f"{scheme}://www.{raw.decode('latin-1').strip()}{request_target(scope)}"
            await send_redirect(send, location, 301)
            return
        await send_problem(
            send, 400, "Invalid host", "The Host header names a host this server does not serve."
        )
