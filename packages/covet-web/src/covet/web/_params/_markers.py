"""Markers that tell a handler parameter where its value comes from.

Use them inside ``Annotated`` (preferred) or as the parameter's default::

    async def search(
        q: Annotated[str, Query(min_length=2)],
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        agent: Annotated[str | None, Header(alias="User-Agent")] = None,
    ) -> list[Item]: ...

    async def legacy(limit: int = Query(10, ge=1)) -> None: ...

Markers are plain data read once at start-up; nothing here runs per request.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, Literal

__all__ = [
    "MISSING",
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "Header",
    "Param",
    "Path",
    "Query",
    "Validator",
]


class _Missing:
    """The "no default" sentinel (``None`` is a legitimate default)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final[Any] = _Missing()

Location = Literal["path", "query", "header", "cookie", "body", "form", "file"]

_CONSTRAINTS: Final = (
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "min_length",
    "max_length",
    "pattern",
)


class Param:
    """Base of the source markers; holds the wire name, default, constraints and docs.

    Constraints (``gt``, ``ge``, ``lt``, ``le``, ``multiple_of``, ``min_length``,
    ``max_length``, ``pattern``) mean what they mean in ``msgspec.Meta``.
    """

    location: Location = "query"

    def __init__(
        self,
        default: Any = MISSING,
        *,
        alias: str | None = None,
        description: str | None = None,
        examples: Sequence[Any] | None = None,
        deprecated: bool = False,
        include_in_schema: bool = True,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        multiple_of: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
    ) -> None:
        if pattern is not None:
            re.compile(pattern)  # a bad regex fails at start-up, not on a request
        self.default = default
        self.alias = alias
        self.description = description
        self.examples = list(examples) if examples is not None else None
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.gt = gt
        self.ge = ge
        self.lt = lt
        self.le = le
        self.multiple_of = multiple_of
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern

    @property
    def constraints(self) -> dict[str, Any]:
        """The constraints that were set, by ``msgspec.Meta`` keyword."""
        out: dict[str, Any] = {}
        for name in _CONSTRAINTS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def __repr__(self) -> str:
        parts = [] if self.default is MISSING else [repr(self.default)]
        if self.alias is not None:
            parts.append(f"alias={self.alias!r}")
        parts += [f"{k}={v!r}" for k, v in self.constraints.items()]
        return f"{type(self).__name__}({', '.join(parts)})"


class Query(Param):
    """The value comes from the query string; ``list[T]`` collects repeated keys."""

    location: Location = "query"


class Path(Param):
    """The value comes from the path parameter of the same name (or ``alias``)."""

    location: Location = "path"


class Cookie(Param):
    """The value comes from the cookie of the same name (or ``alias``)."""

    location: Location = "cookie"


class Header(Param):
    """The value comes from a request header.

    The header name defaults to the parameter name with ``_`` turned into ``-``
    (``user_agent`` reads ``User-Agent``); pass ``alias=`` to name it exactly, or
    ``convert_underscores=False`` to keep underscores. ``list[str]`` collects every
    occurrence of a repeated header.
    """

    location: Location = "header"

    def __init__(
        self, default: Any = MISSING, *, convert_underscores: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(default, **kwargs)
        self.convert_underscores = convert_underscores


class Body(Param):
    """The value comes from the JSON request body.

    A handler with one body parameter receives the whole body; with several (or with
    ``embed=True``) the body is an object keyed by the parameters' names.
    """

    location: Location = "body"

    def __init__(
        self,
        default: Any = MISSING,
        *,
        embed: bool = False,
        media_type: str = "application/json",
        **kwargs: Any,
    ) -> None:
        super().__init__(default, **kwargs)
        self.embed = embed
        self.media_type = media_type


class Form(Param):
    """The value comes from a url-encoded or multipart form field.

    Annotated on a structured type (dataclass, TypedDict, Struct, pydantic model), the
    whole form is converted into it.
    """

    location: Location = "form"


class File(Param):
    """The value is an uploaded file of a multipart form (``UploadFile``, ``bytes``, or a list).

    ``max_size`` caps each part in bytes; a larger part is rejected with 413.
    """

    location: Location = "file"

    def __init__(
        self, default: Any = MISSING, *, max_size: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(default, **kwargs)
        if max_size is not None and max_size < 0:
            raise ValueError("File(max_size=...) must be >= 0")
        self.max_size = max_size


class Depends:
    """Declare a dependency: its return value is passed to the parameter.

    ``Depends(fn)`` calls ``fn`` (sync, async, generator or async generator; its own
    parameters are resolved like a handler's); ``Depends()`` calls the parameter's
    annotated class. Results are cached once per request unless ``use_cache=False``.
    Sync callables run inline on the event loop; ``thread=True`` runs them in a worker
    thread. Generator dependencies are torn down after the response is sent.
    """

    __slots__ = ("dependency", "thread", "use_cache")

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        use_cache: bool = True,
        thread: bool = False,
    ) -> None:
        self.dependency = dependency
        self.use_cache = use_cache
        self.thread = thread

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__qualname__", repr(self.dependency))
        extra = "" if self.use_cache else ", use_cache=False"
        return f"Depends({name if self.dependency is not None else ''}{extra})"


class Validator:
    """A custom check run on a parameter's converted value, sync or async.

    ``fn(value)`` returns the value to use (it may normalise it) and raises
    ``ValueError`` (or ``TypeError``) with a message to reject it; the message becomes
    the field's error in the 422 response::

        def no_admin(name: str) -> str:
            if name == "admin":
                raise ValueError("reserved name")
            return name

        async def create(name: Annotated[str, Query(), Validator(no_admin)]) -> None: ...

    Inside a body type (a field of a dataclass, TypedDict, Struct or pydantic model, a
    list item, a dict value) it runs on that value once the body has decoded, and a
    failure names its full location (``["body", "lines", 2, "sku"]``).
    """

    __slots__ = ("fn", "is_async")

    def __init__(self, fn: Callable[[Any], Any] | Callable[[Any], Awaitable[Any]]) -> None:
        self.fn = fn
        self.is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
            getattr(fn, "__call__", None)  # noqa: B004 - an async callable object
        )

    def __repr__(self) -> str:
        return f"Validator({getattr(self.fn, '__qualname__', self.fn)!r})"
