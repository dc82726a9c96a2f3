"""Redirect plain HTTP (and ``ws://``) requests to their HTTPS (``wss://``) address."""

from __future__ import annotations

from collections.abc import Iterable

from .._types import ASGIApp, Receive, Scope, Send
from ..errors import ConfigurationError
from ._replies import header, request_target, send_redirect
from ._trusted_host import split_host

_SECURE = {"http": "https", "ws": "wss"}


class HTTPSRedirectMiddleware:
    """Redirect every ``http``/``ws`` request to the same URL over ``https``/``wss``.

    ``status_code`` is 307 by default (method and body preserved, not cached forever; use
    308 once HTTPS is settled). ``https_port`` sets a non-default port for the target;
    ``exclude_paths`` lists paths served over plain HTTP anyway (e.g. a load balancer's
    health check). Behind a TLS-terminating proxy, put :class:`ProxyHeadersMiddleware`
    outside this one so the original scheme is known.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        status_code: int = 307,
        https_port: int | None = None,
        exclude_paths: Iterable[str] = (),
    ) -> None:
        if status_code not in (301, 302, 303, 307, 308):
            raise ConfigurationError(
                f"status_code must be a redirect (301/302/303/307/308), got {status_code}"
            )
        self.app = app
        self.status_code = status_code
        self.https_port = https_port
        self.exclude_paths = frozenset(exclude_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scheme = scope.get("scheme", "http") if scope["type"] in ("http", "websocket") else ""
        if scheme not in _SECURE or scope["path"] in self.exclude_paths:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            # No redirects in the WebSocket handshake: refuse, so clients fix the URL.
            await send({"type": "websocket.close", "code": 1008, "reason": "Use wss://"})
            return
        raw_host = header(scope, b"host")
        if raw_host:
            host = split_host(raw_host.decode("latin-1"))
        else:
            server = scope.get("server")
            host = str(server[0]) if server else "localhost"
        if ":" in host:
            host = f"[{host}]"  # IPv6 literal
        if self.https_port not in (None, 443):
            host = f"{host}:{self.https_port}"
        location = f"{_SECURE[scheme]}://{host}{request_target(scope)}"
        await send_redirect(send, location, self.status_code)
