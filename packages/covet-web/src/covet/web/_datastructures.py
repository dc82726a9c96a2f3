"""Headers, query parameters, client address and state: the request's plain data.

Everything here is a thin view over what the server handed us (the ASGI header list, the
query string bytes), parsed on first access and never copied more than once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import unquote_plus, urlencode

__all__ = ["Address", "Headers", "MutableHeaders", "QueryParams", "State"]

RawHeaders = list[tuple[bytes, bytes]]


class Address(NamedTuple):
    """The client's (or server's) host and port."""

    host: str
    port: int


def _encode_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> RawHeaders:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in items]


class Headers(Mapping[str, str]):
    """Case-insensitive, multi-valued, read-only HTTP headers.

    ``headers["accept"]`` and ``headers.get("Accept")`` give the first value;
    ``headers.getlist("set-cookie")`` gives every value. Built over the ASGI list of
    ``(name, value)`` byte pairs without copying it::

        Headers({"content-type": "text/plain"})
        Headers(raw=scope["headers"])
    """

    __slots__ = ("raw",)

    def __init__(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        *,
        raw: RawHeaders | None = None,
    ) -> None:
        if raw is not None:
            if headers is not None:
                raise TypeError("pass either headers or raw, not both")
            self.raw: RawHeaders = raw
        else:
            self.raw = _encode_headers(headers) if headers is not None else []

    def get(self, key: str, default: Any = None) -> Any:
        """The first value of header ``key``, or ``default``."""
        name = key.lower().encode("latin-1")
        for k, v in self.raw:
            if k == name:
                return v.decode("latin-1")
        return default

    def getlist(self, key: str) -> list[str]:
        """Every value of header ``key``, in order."""
        name = key.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.raw if k == name]

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return str(value)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        name = key.lower().encode("latin-1")
        return any(k == name for k, _ in self.raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def keys(self) -> list[str]:  # type: ignore[override]
        """The distinct header names (lower case), in first-seen order."""
        return list(dict.fromkeys(k.decode("latin-1") for k, _ in self.raw))

    def multi_items(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, duplicates included."""
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return sorted(self.raw) == sorted(other.raw)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


class MutableHeaders(Headers):
    """Response headers: :class:`Headers` that can be set, appended and deleted.

    Changes go straight to the underlying ``raw`` list (a response's ``raw_headers``).
    """

    __slots__ = ()

    def __setitem__(self, key: str, value: str) -> None:
        """Replace every value of ``key`` with ``value``."""
        name = key.lower().encode("latin-1")
        encoded = value.encode("latin-1")
        raw = self.raw
        found = False
        i = 0
        while i < len(raw):
            if raw[i][0] == name:
                if found:
                    del raw[i]
                    continue
                raw[i] = (name, encoded)
                found = True
            i += 1
        if not found:
            raw.append((name, encoded))

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        self.raw[:] = [(k, v) for k, v in self.raw if k != name]

    def append(self, key: str, value: str) -> None:
        """Add a value for ``key``, keeping the existing ones (``Set-Cookie``, ``Vary``)."""
        self.raw.append((key.lower().encode("latin-1"), value.encode("latin-1")))

    def setdefault(self, key: str, value: str) -> str:
        """Set ``key`` to ``value`` unless present; return the value in effect."""
        current = self.get(key)
        if current is None:
            self.append(key, value)
            return value
        return str(current)

    def update(self, other: Mapping[str, str]) -> None:
        """Set every header of ``other`` (replacing existing values)."""
        for key, value in other.items():
            self[key] = value

    def add_vary_header(self, name: str) -> None:
        """Add ``name`` to the ``Vary`` header unless it is already listed."""
        current = self.get("vary")
        if current is None:
            self["vary"] = name
        elif name.lower() not in (part.strip().lower() for part in current.split(",")):
            self["vary"] = f"{current}, {name}"


def parse_query_string(query: str) -> list[tuple[str, str]]:
    """``a=1&b=%C3%A9`` as pairs; blank values kept, bad escapes become U+FFFD.

    What ``urllib.parse.parse_qsl(keep_blank_values=True)`` does, but plain pairs (the
    common case) skip unquoting altogether.
    """
    pairs: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if "%" in part or "+" in part:
            key = unquote_plus(key)
            value = unquote_plus(value)
        pairs.append((key, value))
    return pairs


class QueryParams(Mapping[str, str]):
    """The query string as a read-only multi-dict.

    ``params["tag"]`` is the last value given for ``tag`` (what a scalar parameter
    sees); ``params.getlist("tag")`` is every value. Invalid percent-escapes decode to
    U+FFFD rather than failing.
    """

    __slots__ = ("_dict", "_list")

    def __init__(
        self,
        query: str | bytes | Mapping[str, str] | Sequence[tuple[str, str]] = "",
    ) -> None:
        if isinstance(query, bytes):
            query = query.decode("latin-1")
        if isinstance(query, str):
            pairs = parse_query_string(query)
        elif isinstance(query, Mapping):
            pairs = [(str(k), str(v)) for k, v in query.items()]
        else:
            pairs = [(str(k), str(v)) for k, v in query]
        self._list: list[tuple[str, str]] = pairs
        self._dict: dict[str, str] = dict(pairs)

    def __getitem__(self, key: str) -> str:
        return self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def getlist(self, key: str) -> list[str]:
        """Every value given for ``key``, in order (empty if none)."""
        return [v for k, v in self._list if k == key]

    def multi_items(self) -> list[tuple[str, str]]:
        """Every ``(key, value)`` pair, in order."""
        return list(self._list)

    def __str__(self) -> str:
        return urlencode(self._list)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, QueryParams):
            return sorted(self._list) == sorted(other._list)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class State:
    """An attribute bag: ``app.state.db = pool``, ``request.state.user = user``.

    Backed by a plain dict (``state._state``), which is what the ASGI lifespan
    ``state`` extension shares between the lifespan and each request.
    """

    __slots__ = ("_state",)

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_state", {} if state is None else state)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._state[name]
        except KeyError:
            raise AttributeError(
                f"state has no attribute {name!r}; set it first (e.g. in the lifespan)"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._state[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._state[name]
        except KeyError:
            raise AttributeError(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._state

    def __repr__(self) -> str:
        return f"State({self._state!r})"
