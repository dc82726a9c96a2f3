"""The handler plan: a handler's signature (and its dependencies') analysed at start-up.

``build_plan(endpoint, ...)`` is called once per route; per request the app awaits
``plan.run(request, exit_stack)``, which only executes precomputed steps (see
``_program.py``). The plan also describes the handler for OpenAPI: ``parameters``,
``body``, ``return_type`` and ``dependencies``.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from typing import Any, Literal

from ._analysis import ParamSpec
from ._builder import Builder, compile_plan, is_single_body, router_type
from ._errors import ParameterError
from ._markers import Body, Depends, Header, Param
from ._program import Program
from ._typing import is_model, split_annotated, split_optional

__all__ = ["BodyField", "HandlerPlan", "ParameterInfo", "RequestBody", "build_plan"]


@dataclasses.dataclass(frozen=True, slots=True)
class ParameterInfo:
    """A path, query, header or cookie parameter, as OpenAPI describes it."""

    name: str
    """The name on the wire (``User-Agent``, the alias, or the Python name)."""
    location: Literal["path", "query", "header", "cookie"]
    type: Any
    """The annotation, source markers removed (``Annotated[..., msgspec.Meta]`` kept)."""
    required: bool
    default: Any
    """The default value, or ``MISSING``."""
    constraints: Mapping[str, Any]
    description: str | None = None
    examples: Sequence[Any] | None = None
    deprecated: bool = False
    include_in_schema: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class BodyField:
    """One field of an object body: an embedded JSON parameter, a form field or a file."""

    name: str
    location: Literal["body", "form", "file"]
    type: Any
    required: bool
    default: Any
    constraints: Mapping[str, Any]
    description: str | None = None
    examples: Sequence[Any] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RequestBody:
    """The request body a handler takes.

    ``type`` is the whole body's type when one parameter is the body; otherwise it is
    None and the body is an object made of ``fields``.
    """

    media_type: str
    required: bool
    type: Any | None
    fields: tuple[BodyField, ...]


Overrides = Mapping[Callable[..., Any], Callable[..., Any]]


class HandlerPlan:
    """A handler compiled for requests, plus what OpenAPI needs to describe it.

    ``await plan.run(request, exit_stack)`` returns the endpoint's return value or
    raises ``RequestValidationError`` (422, every failing field), ``MalformedBodyError``
    (400), ``UnsupportedMediaTypeError`` (415) or ``UploadTooLargeError`` (413).

    Teardown hand-off: when ``plan.has_teardown`` the app passes an ``AsyncExitStack``
    that it closes *after the response is sent*, with the exception if one happened::

        async with AsyncExitStack() as stack:
            value = await plan.run(request, stack)
            response = to_response(value)
            await response(scope, receive, send)

    Without a stack, teardown runs when the endpoint returns (what a WebSocket wants).
    ``app_context.dependency_overrides`` is read per request, but only by plans with
    dependencies and only when it is non-empty; the plan for each set of overrides is
    compiled once and cached.
    """

    run: Callable[..., Awaitable[Any]]
    """``run(request, exit_stack: AsyncExitStack | None = None) -> Awaitable[Any]``."""

    def __init__(
        self,
        endpoint: Callable[..., Any],
        program: Program,
        builder: Builder,
        *,
        app_context: Any,
        compile_options: dict[str, Any],
        return_type: Any,
    ) -> None:
        self.endpoint = endpoint
        self.return_type = return_type
        """The return annotation; ``None`` when there is none (``-> None`` is ``NoneType``)."""
        self.parameters = _parameters(builder.specs)
        self.body = _body(builder.body_slots)
        self.dependencies: tuple[Callable[..., Any], ...] = tuple(n.original for n in builder.nodes)
        """Every dependency callable, as declared (before overrides), in resolution order."""
        self.is_async = program.endpoint_kind == "async"
        self.is_trivial = (
            not builder.specs
            and not builder.nodes
            and not builder.body_slots
            and program.endpoint_kind != "thread"
        )
        """No parameters and no dependencies: the app may call ``endpoint()`` itself."""
        self._program = program
        self._context = app_context
        self._options = compile_options
        self._cache: dict[Any, Program] = {}
        # Only a plan with dependencies can be affected by overrides; the others bind
        # the program's run directly (no per-request indirection at all).
        self.run = self._run_overridable if builder.nodes else program.run

    @property
    def has_teardown(self) -> bool:
        """True when generator dependencies need the app's exit stack."""
        return self._current().has_teardown

    def _current(self) -> Program:
        overrides = getattr(self._context, "dependency_overrides", None)
        return self._overridden(overrides) if overrides else self._program

    def _run_overridable(
        self, request: Any, exit_stack: AsyncExitStack | None = None
    ) -> Awaitable[Any]:
        # Not a coroutine itself: hands back the program's, saving a frame per request.
        overrides = getattr(self._context, "dependency_overrides", None)
        program = self._overridden(overrides) if overrides else self._program
        return program.run(request, exit_stack)

    def _overridden(self, overrides: Overrides) -> Program:
        try:
            key: Any = tuple(overrides.items())
            return self._cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable callables: compile every time (tests only)
            key = None
        program, _ = compile_plan(self.endpoint, overrides=dict(overrides), **self._options)
        if key is not None:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = program
        return program

    def __repr__(self) -> str:
        name = getattr(self.endpoint, "__qualname__", repr(self.endpoint))
        return f"<HandlerPlan {name}: {len(self.parameters)} params, {len(self.dependencies)} deps>"


def build_plan(
    endpoint: Callable[..., Any],
    *,
    path_params: Mapping[str, Any] | None = None,
    dependencies: Sequence[Depends] = (),
    app_context: Any = None,
    connection_type: type | None = None,
    thread: bool = False,
) -> HandlerPlan:
    """Analyse ``endpoint`` (and its dependencies) once into a :class:`HandlerPlan`.

    ``path_params`` maps each path parameter of the route to its converter (anything
    with ``python_type``) or to the type it produces. ``dependencies`` are the app's and
    router's ``Depends(...)`` (outer first), run one after the other in that order before
    the handler's own (generator teardown in reverse). ``app_context`` is read for
    ``dependency_overrides`` (per request). Parameters annotated with ``connection_type``
    or a base of it receive the connection (default: ``Request``). ``thread=True`` runs a sync
    endpoint in a worker thread. Raises ``ParameterError`` for a signature it cannot plan.
    """
    if connection_type is None:
        from .._request import Request

        connection_type = Request
    options: dict[str, Any] = {
        "path_types": {name: router_type(v) for name, v in (path_params or {}).items()},
        "dependencies": tuple(dependencies),
        "connection_type": connection_type,
        "thread": thread,
    }
    overrides = getattr(app_context, "dependency_overrides", None) or {}
    program, builder = compile_plan(endpoint, overrides={}, **options)
    if overrides:  # fail at start-up, not on the first request, if an override is broken
        compile_plan(endpoint, overrides=dict(overrides), **options)
    return HandlerPlan(
        endpoint,
        program,
        builder,
        app_context=app_context,
        compile_options=options,
        return_type=_return_type(endpoint),
    )


def _return_type(endpoint: Callable[..., Any]) -> Any:
    target: Any = endpoint
    if not (inspect.isroutine(endpoint) or inspect.isclass(endpoint)):
        target = type(endpoint).__call__  # a callable object
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception as exc:
        raise ParameterError(
            f"cannot resolve the return annotation of {endpoint!r}: {exc}"
        ) from exc
    return hints.get("return")


def _header_name(spec: ParamSpec) -> str:
    if spec.marker is not None and spec.marker.alias:
        return spec.marker.alias
    if isinstance(spec.marker, Header) and not spec.marker.convert_underscores:
        return spec.wire_name
    return "-".join(part.capitalize() for part in spec.wire_name.split("-"))


def _docs(marker: Param | None) -> dict[str, Any]:
    if marker is None:
        return {}
    return {
        "description": marker.description,
        "examples": marker.examples,
        "deprecated": marker.deprecated,
        "include_in_schema": marker.include_in_schema,
    }


def _parameters(specs: list[ParamSpec]) -> tuple[ParameterInfo, ...]:
    seen: set[tuple[str, str]] = set()
    out: list[ParameterInfo] = []
    for spec in specs:
        if spec.source not in ("path", "query", "header", "cookie"):
            continue
        name = _header_name(spec) if spec.source == "header" else spec.wire_name
        key = (spec.source, name.lower() if spec.source == "header" else name)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            ParameterInfo(
                name=name,
                location=spec.source,
                type=spec.annotation,
                required=spec.required or spec.source == "path",
                default=spec.default,
                constraints=spec.marker.constraints if spec.marker is not None else {},
                **_docs(spec.marker),
            )
        )
    return tuple(out)


def _body(slots: list[tuple[str, ParamSpec]]) -> RequestBody | None:
    if not slots:
        return None
    specs = [spec for _, spec in slots]
    sources = {spec.source for spec in specs}
    if "file" in sources:
        media = "multipart/form-data"
    elif "form" in sources:
        media = "application/x-www-form-urlencoded"
    else:
        marker = specs[0].marker
        media = marker.media_type if isinstance(marker, Body) else "application/json"
    whole: Any = None
    if is_single_body(slots):
        whole = specs[0].type
    elif len(specs) == 1 and specs[0].source == "form":
        inner = split_annotated(split_optional(split_annotated(specs[0].type)[0])[0])[0]
        whole = specs[0].type if is_model(inner) else None
    fields = tuple(
        BodyField(
            name=spec.wire_name,
            location=spec.source,  # type: ignore[arg-type]
            type=spec.annotation,
            required=spec.required,
            default=spec.default,
            constraints=spec.marker.constraints if spec.marker is not None else {},
            description=spec.marker.description if spec.marker is not None else None,
            examples=spec.marker.examples if spec.marker is not None else None,
        )
        for spec in specs
    )
    return RequestBody(
        media_type=media, required=any(s.required for s in specs), type=whole, fields=fields
    )
