"""URL: an immutable, parsed URL, built from a string or from an ASGI scope."""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, urlencode, urlsplit

from ._datastructures import QueryParams
from ._types import Scope

__all__ = ["URL"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class URL:
    """A URL such as ``request.url``; compares equal to its string form.

    >>> URL("https://example.com/a?b=1").replace(path="/c")
    URL('https://example.com/c?b=1')
    """

    __slots__ = ("_parts", "_url")

    def __init__(self, url: str = "") -> None:
        self._url = url
        self._parts: SplitResult | None = None

    @classmethod
    def from_scope(cls, scope: Scope) -> URL:
        """The full URL the client asked for (``root_path`` included)."""
        scheme = scope.get("scheme", "http")
        path = scope.get("path", "/")
        root_path = scope.get("root_path", "")
        if root_path and not path.startswith(root_path):
            # Servers that follow the older ASGI convention leave root_path out of path.
            path = root_path + path
        query = scope.get("query_string", b"")
        host = None
        for key, value in scope.get("headers", ()):
            if key == b"host":
                host = value.decode("latin-1")
                break
        if host is None:
            server = scope.get("server")
            if server is None:
                host = "localhost"
            else:
                host, port = server[0], server[1]
                if port is not None and port != _DEFAULT_PORTS.get(scheme):
                    host = f"{host}:{port}"
        url = f"{scheme}://{host}{path}"
        if query:
            url += "?" + query.decode("latin-1")
        return cls(url)

    @property
    def _split(self) -> SplitResult:
        if self._parts is None:
            self._parts = urlsplit(self._url)
        return self._parts

    @property
    def scheme(self) -> str:
        """``http``, ``https``, ``ws`` or ``wss``."""
        return self._split.scheme

    @property
    def netloc(self) -> str:
        """Host and port as written, e.g. ``example.com:8080``."""
        return self._split.netloc

    @property
    def hostname(self) -> str | None:
        """The host, lower-cased."""
        return self._split.hostname

    @property
    def port(self) -> int | None:
        """The explicit port, or ``None``."""
        return self._split.port

    @property
    def path(self) -> str:
        """The path, percent-escapes kept."""
        return self._split.path

    @property
    def query(self) -> str:
        """The raw query string, without ``?``."""
        return self._split.query

    @property
    def fragment(self) -> str:
        """The fragment, without ``#``."""
        return self._split.fragment

    @property
    def is_secure(self) -> bool:
        """Whether the scheme is ``https`` or ``wss``."""
        return self.scheme in ("https", "wss")

    def replace(self, **parts: Any) -> URL:
        """A copy with some of scheme, netloc, path, query or fragment replaced."""
        if "hostname" in parts or "port" in parts:
            hostname = parts.pop("hostname", self.hostname)
            port = parts.pop("port", self.port)
            parts["netloc"] = hostname if port is None else f"{hostname}:{port}"
        return URL(self._split._replace(**parts).geturl())

    def include_query_params(self, **params: Any) -> URL:
        """A copy with ``params`` set in the query string (replacing the same keys)."""
        query = dict(QueryParams(self.query))
        query.update({key: str(value) for key, value in params.items()})
        return self.replace(query=urlencode(query))

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"URL({self._url!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._url)
