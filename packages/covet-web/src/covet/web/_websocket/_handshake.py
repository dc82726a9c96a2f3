"""What the client sent to open a WebSocket: the handshake request, read lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._datastructures import Address, Headers, QueryParams, State
from .._request import parse_cookie_header
from .._url import URL

if TYPE_CHECKING:
    from .._types import Scope

__all__ = ["Handshake"]


class Handshake:
    """The handshake request of a connection: URL, headers, query, cookies, client, state.

    The same names as on ``Request``, so dependencies that read headers, query
    parameters or cookies work for HTTP routes and WebSocket routes alike.
    """

    __slots__ = ("_headers", "_query_params", "path_params", "scope")

    def __init__(self, scope: Scope, path_params: dict[str, Any] | None = None) -> None:
        self.scope = scope
        #: The route's path parameters, converted (``{"room_id": 7}``).
        self.path_params: dict[str, Any] = path_params if path_params is not None else {}
        self._headers: Headers | None = None
        self._query_params: QueryParams | None = None

    @property
    def app(self) -> Any:
        """The application serving this connection (``scope["app"]``)."""
        return self.scope.get("app")

    @property
    def url(self) -> URL:
        """The URL the client connected to (``ws://`` or ``wss://``)."""
        return URL.from_scope(self.scope)

    @property
    def headers(self) -> Headers:
        """The handshake request's headers (case-insensitive, multi-valued)."""
        if self._headers is None:
            self._headers = Headers(raw=self.scope["headers"])
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        """The query string's parameters."""
        if self._query_params is None:
            self._query_params = QueryParams(self.scope.get("query_string", b""))
        return self._query_params

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies sent with the handshake."""
        return parse_cookie_header(self.headers.get("cookie", ""))

    @property
    def client(self) -> Address | None:
        """The client's host and port, if the server reports it."""
        client = self.scope.get("client")
        return Address(client[0], client[1]) if client else None

    @property
    def state(self) -> State:
        """Per-connection state, seeded from the lifespan state (``scope["state"]``)."""
        return State(self.scope.setdefault("state", {}))

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        offered: list[str] = self.scope.get("subprotocols") or []
        return offered
