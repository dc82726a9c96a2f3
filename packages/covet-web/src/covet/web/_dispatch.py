"""The compiled core of an app: route tables in, ASGI out.

Built by ``Covet`` at start-up from its flattened routes. The request path: one dict
lookup for a static path (the segment tree otherwise), the route's precompiled handler,
and an ``except`` that turns errors into problem details. Everything else (mounts,
trailing-slash redirects, 405, 404) happens only when no route matched; a WebSocket
handshake no route serves is refused with 404, by the app's WebSocket handler for it if
there is one.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

import orjson

from ._exception_handlers import ExceptionHandlers
from ._problem import PROBLEM_MEDIA_TYPE, problem_document
from ._routing import Matcher, Mount
from ._routing._tree import Leaf
from ._types import Receive, Scope, Send
from ._websocket._connection import WebSocket
from ._websocket._failure import end_with_error
from .errors import HTTPError

__all__ = ["Dispatcher", "TrailingSlash"]

TrailingSlash = Literal["redirect", "strict", "ignore"]


def _route_path(scope: Scope) -> str:
    """The path below the app's ``root_path`` (servers put ``root_path`` in ``path``)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
        if not path:
            return "/"
        if path[0] != "/":
            return scope["path"]  # type: ignore[no-any-return]  # "/api" is not under "/ap"
    return path


def _prebuilt_problem(status: int, detail: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    body = orjson.dumps(problem_document(status, detail))
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    return body, headers


class Dispatcher:
    """Routes one app's requests; immutable once built."""

    __slots__ = (
        "_not_found",
        "_plain_404",
        "_slash_variants",
        "app",
        "handlers",
        "http",
        "mounts",
        "static",
        "trailing_slash",
        "websocket",
    )

    def __init__(
        self,
        app: Any,
        http: Matcher,
        websocket: Matcher,
        mounts: list[Mount],
        handlers: ExceptionHandlers,
        trailing_slash: TrailingSlash,
    ) -> None:
        self.app = app
        self.http = http
        self.static = http.static
        self.websocket = websocket
        self.mounts = sorted(mounts, key=lambda m: len(m.path), reverse=True)
        self.handlers = handlers
        self.trailing_slash = trailing_slash
        self._slash_variants = trailing_slash != "strict"
        # The default 404 is the same bytes every time: render it once, unless the user
        # registered a handler that could answer it.
        self._not_found = (
            None
            if handlers.intercepts(404)
            else _prebuilt_problem(404, "no route matches this path")
        )
        # What a miss sends when nothing else can answer it: no mount, and no variant
        # with a slash added that could exist (the variant without one is checked by path).
        self._plain_404 = (
            None if mounts or (self._slash_variants and http.slash_sensitive) else self._not_found
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            scope_type = scope["type"]
            if scope_type == "websocket":
                scope["app"] = self.app
                await self.dispatch_websocket(scope, receive, send)
            else:
                await self.app.handle_other_scope(scope, receive, send)
            return
        scope["app"] = self.app
        path = scope["path"] if not scope.get("root_path") else _route_path(scope)
        method = scope["method"]
        leaf = self.static.get(path)
        handler = None if leaf is None else leaf.handlers.get(method)
        if handler is None:
            seen: list[Leaf] = []
            found = self.http.match(path, method, seen)
            if found is None:
                prebuilt = self._plain_404
                if prebuilt is None or seen or (path[-1:] == "/" and self._slash_variants):
                    await self.unmatched(scope, receive, send, path, seen)
                    return
                # The plain 404, inlined: no coroutine beyond this one on the miss path.
                body, headers = prebuilt
                await send({"type": "http.response.start", "status": 404, "headers": list(headers)})
                await send({"type": "http.response.body", "body": body})
                return
            leaf, scope["path_params"] = found
            handler = leaf.handlers[method]
        try:
            await handler(scope, receive, send)
        except Exception as exc:
            await self.handlers.handle(scope, receive, send, exc)

    async def dispatch_http(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        """Route an HTTP request for ``path`` (the path below ``root_path``)."""
        method = scope["method"]
        seen: list[Leaf] = []
        found = self.http.match(path, method, seen)
        if found is None:
            await self.unmatched(scope, receive, send, path, seen)
            return
        leaf, scope["path_params"] = found
        try:
            await leaf.handlers[method](scope, receive, send)
        except Exception as exc:
            await self.handlers.handle(scope, receive, send, exc)

    async def unmatched(
        self, scope: Scope, receive: Receive, send: Send, path: str, seen: list[Leaf]
    ) -> None:
        """Answer a request no route serves: a mount, 405, a trailing-slash redirect or 404.

        ``seen`` holds the leaves whose path matched without the method.
        """
        if self.mounts:
            mount = self._mount_for(path)
            if mount is not None:
                await self._call_mount(mount, scope, receive, send)
                return
        if seen:
            await self._method_not_allowed(scope, receive, send, seen)
            return
        if self._slash_variants and path != "/":
            if path.endswith("/"):
                other = path[:-1]
            elif self.http.slash_sensitive:
                other = path + "/"
            else:
                other = ""
            method = scope["method"]
            if other and (other in self.static or self.http.match(other, method) is not None):
                if self.trailing_slash == "ignore":
                    await self.dispatch_http(scope, receive, send, other)
                else:
                    await self._redirect(scope, send, other)
                return
        await self.not_found(scope, receive, send)

    async def _method_not_allowed(
        self, scope: Scope, receive: Receive, send: Send, seen: list[Leaf]
    ) -> None:
        allow = ", ".join(sorted({m for leaf in seen for m in leaf.handlers} | {"OPTIONS"}))
        if scope["method"] == "OPTIONS":
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [(b"allow", allow.encode())],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        error = HTTPError(
            405,
            f"{scope['method']} is not allowed here; allowed: {allow}",
            headers={"allow": allow},
        )
        await self.handlers.handle(scope, receive, send, error)

    async def not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 404 (through the user's handler when there is one)."""
        prebuilt = self._not_found
        if prebuilt is None:
            await self.handlers.handle(
                scope, receive, send, HTTPError(404, "no route matches this path")
            )
            return
        body, headers = prebuilt
        await send({"type": "http.response.start", "status": 404, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    async def _redirect(self, scope: Scope, send: Send, path: str) -> None:
        # path is percent-decoded: escape it again for the Location header.
        location = quote(scope.get("root_path", "") + path, safe="/:@!$&'()*+,;=-._~")
        query: bytes = scope.get("query_string", b"")
        target = location.encode("latin-1") + (b"?" + query if query else b"")
        await send(
            {
                "type": "http.response.start",
                "status": 307,
                "headers": [(b"location", target), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    def _mount_for(self, path: str) -> Mount | None:
        for mount in self.mounts:
            prefix = mount.path
            if not prefix or path == prefix or path.startswith(prefix + "/"):
                return mount
        return None

    async def _call_mount(self, mount: Mount, scope: Scope, receive: Receive, send: Send) -> None:
        # The mounted app sees the prefix in root_path and, as ASGI now says, the full
        # path in path.
        root_path = scope.get("root_path", "")
        path = scope["path"]
        if root_path and not path.startswith(root_path):
            path = root_path + path  # an old-convention server: rebuild the full path
        child = dict(scope)
        child["root_path"] = root_path + mount.path
        child["path"] = path
        child.pop("path_params", None)
        await mount.app(child, receive, send)

    async def dispatch_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route a WebSocket handshake."""
        path = _route_path(scope)
        found = self.websocket.match(path, "WEBSOCKET")
        if found is not None:
            leaf, params = found
            scope["path_params"] = params
            await leaf.handlers["WEBSOCKET"](scope, receive, send)
            return
        mount = self._mount_for(path)
        if mount is not None:
            await self._call_mount(mount, scope, receive, send)
            return
        await self._websocket_not_found(scope, receive, send)

    async def _websocket_not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a handshake no route serves: 404, through the user's handler if any."""
        error = HTTPError(404, "no WebSocket route here")
        if self.handlers.lookup_websocket(error) is None:
            await _reject_websocket(scope, send)
            return
        await end_with_error(WebSocket(scope, receive, send), error, self.handlers)


async def _reject_websocket(scope: Scope, send: Send) -> None:
    if "websocket.http.response" in scope.get("extensions", {}):
        from ._websocket._rejection import rejection_messages

        start, body = rejection_messages(
            404, problem_document(404, "no WebSocket route here"), None
        )
        await send(start)
        await send(body)
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": ""})
