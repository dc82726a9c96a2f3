"""Class-based resources: one class, one path, a handler per HTTP method.

::

    @app.resource("/items/{id:int}")
    class ItemResource:
        dependencies = [Depends(require_user)]          # run before every method

        def __init__(self, db: Annotated[Database, Depends(get_db)]) -> None:
            self.db = db                                # injected per request

        async def get(self, id: int) -> Item: ...

        @operation(status_code=204)
        async def delete(self, id: int) -> None: ...

The class is instantiated once per request with its constructor's parameters resolved like
a handler's (dependencies, headers, ...); the method's own parameters come next. Shared
dependencies go in the ``dependencies`` class attribute, shared tags in ``tags``.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict, TypeVar

from .._form_limits import FormLimits
from ..errors import ConfigurationError
from ._routes import HTTPRoute

__all__ = ["RESOURCE_METHODS", "OperationOptions", "operation", "resource_routes"]

RESOURCE_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_OPTIONS_ATTR = "__covet_operation__"
F = TypeVar("F", bound=Callable[..., Any])


class OperationOptions(TypedDict, total=False):
    """Per-method route options of a resource (see :func:`operation`)."""

    name: str
    status_code: int
    tags: Sequence[str]
    summary: str
    description: str
    deprecated: bool
    dependencies: Sequence[Any]
    include_in_schema: bool
    responses: Mapping[int, Any]
    max_body_size: int
    msgpack: bool
    form_limits: FormLimits
    operation_id: str


def operation(**options: typing.Unpack[OperationOptions]) -> Callable[[F], F]:
    """Set route options on one method of a resource class::

    @operation(status_code=201, summary="Create an item")
    async def post(self, item: NewItem) -> Item: ...
    """

    def decorate(method: F) -> F:
        setattr(method, _OPTIONS_ATTR, dict(options))
        return method

    return decorate


def _params_and_hints(
    func: Callable[..., Any], owner: type[Any]
) -> tuple[list[inspect.Parameter], dict[str, Any]]:
    signature = inspect.signature(func)
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception as exc:
        raise ConfigurationError(
            f"resource {owner.__name__}: cannot resolve the annotations of "
            f"{func.__qualname__}: {exc}"
        ) from None
    params = list(signature.parameters.values())[1:]  # drop self
    for param in params:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            raise ConfigurationError(
                f"resource {owner.__name__}: {func.__qualname__} parameter {param.name!r} "
                "must be a normal (keyword-passable) parameter"
            )
    return params, hints


def _bind(cls: type[Any], method_name: str) -> Callable[..., Any]:
    """A handler that builds ``cls`` per request and calls ``method_name`` on it."""
    method = getattr(cls, method_name)
    init = cls.__init__
    if init is object.__init__:
        ctor_params: list[inspect.Parameter] = []
        ctor_hints: dict[str, Any] = {}
    else:
        ctor_params, ctor_hints = _params_and_hints(init, cls)
    method_params, method_hints = _params_and_hints(method, cls)
    ctor_names = tuple(p.name for p in ctor_params)
    clash = set(ctor_names) & {p.name for p in method_params}
    if clash:
        raise ConfigurationError(
            f"resource {cls.__name__}: parameter(s) {sorted(clash)} appear in both __init__ "
            f"and {method_name}(); rename one of them"
        )
    annotations: dict[str, Any] = {}
    parameters: list[inspect.Parameter] = []
    for param, hints in [(p, ctor_hints) for p in ctor_params] + [
        (p, method_hints) for p in method_params
    ]:
        annotation = hints.get(param.name, param.annotation)
        annotations[param.name] = annotation
        # Keyword-only: constructor and method defaults may interleave in any order.
        parameters.append(param.replace(kind=param.KEYWORD_ONLY, annotation=annotation))
    return_annotation = method_hints.get("return", inspect.Signature.empty)
    if return_annotation is not inspect.Signature.empty:
        annotations["return"] = return_annotation

    async def endpoint(**kwargs: Any) -> Any:
        instance = cls(**{name: kwargs.pop(name) for name in ctor_names if name in kwargs})
        result = getattr(instance, method_name)(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    endpoint.__name__ = f"{cls.__name__}.{method_name}"
    endpoint.__qualname__ = f"{cls.__qualname__}.{method_name}"
    endpoint.__module__ = cls.__module__
    endpoint.__doc__ = method.__doc__
    endpoint.__annotations__ = annotations
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=return_annotation
    )
    return endpoint


def resource_routes(
    path: str,
    cls: type[Any],
    *,
    name: str | None,
    tags: Sequence[str],
    dependencies: Sequence[Any],
    include_in_schema: bool,
) -> list[HTTPRoute]:
    """The routes of resource class ``cls`` at ``path``."""
    if not isinstance(cls, type):
        raise ConfigurationError(f"@resource decorates a class, not {cls!r}")
    class_tags = tuple(getattr(cls, "tags", ()))
    class_dependencies = tuple(getattr(cls, "dependencies", ()))
    routes = []
    for method_name in RESOURCE_METHODS:
        method = getattr(cls, method_name, None)
        if method is None or not callable(method):
            continue
        options: dict[str, Any] = dict(getattr(method, _OPTIONS_ATTR, {}))
        summary = options.pop("summary", None)
        description = options.pop("description", None)
        if summary is None and description is None and method.__doc__:
            first, _, rest = inspect.cleandoc(method.__doc__).partition("\n")
            summary, description = first.strip(), (rest.strip() or None)
        routes.append(
            HTTPRoute(
                path,
                _bind(cls, method_name),
                methods=[method_name.upper()],
                name=options.pop("name", name or cls.__name__),
                tags=(*tags, *class_tags, *options.pop("tags", ())),
                dependencies=(*dependencies, *class_dependencies, *options.pop("dependencies", ())),
                include_in_schema=options.pop("include_in_schema", include_in_schema),
                summary=summary,
                description=description,
                **options,
            )
        )
    if not routes:
        raise ConfigurationError(
            f"resource {cls.__name__} defines none of {', '.join(RESOURCE_METHODS)}"
        )
    return routes
