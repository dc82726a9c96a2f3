"""Read a handler's (or dependency's) signature once: where each parameter comes from.

The result is a list of :class:`ParamSpec`; nothing here runs per request.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from .._background import BackgroundTasks, request_background_tasks
from .._forms import UploadFile
from ._convert import constrained_type, item_type
from ._errors import ParameterError
from ._markers import MISSING, Body, Depends, File, Form, Header, Param, Validator
from ._typing import is_scalar, is_structured, is_subclass, split_annotated, split_optional

__all__ = ["ParamSpec", "Source", "analyse", "callable_kind", "is_upload_type"]

Source = Literal[
    "path", "query", "header", "cookie", "body", "form", "file", "connection", "dependency"
]


@dataclasses.dataclass(slots=True)
class ParamSpec:
    """One parameter of a handler or dependency, resolved at start-up."""

    name: str
    """The Python parameter name (the keyword the callable is called with)."""
    source: Source
    wire_name: str
    """The key in its source: query key, header name (lower case), field name..."""
    annotation: Any
    """The declared type with the source markers removed (``msgspec.Meta`` kept)."""
    type: Any
    """``annotation`` with the marker's constraints attached: what values convert into."""
    required: bool
    default: Any
    marker: Param | None = None
    depends: Depends | None = None
    validators: tuple[Validator, ...] = ()


def analyse(
    call: Callable[..., Any],
    *,
    path_names: Mapping[str, Any],
    connection_type: type | None,
) -> list[ParamSpec]:
    """The parameters of ``call``, each with its source decided."""
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"cannot read the signature of {call!r}: {exc}") from exc
    hints = _hints(call)
    specs: list[ParamSpec] = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.kind is param.POSITIONAL_ONLY:
            raise ParameterError(
                f"{_name(call)}: parameter {param.name!r} is positional-only; "
                "handlers and dependencies are called with keyword arguments"
            )
        annotation = hints.get(param.name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any
        specs.append(_spec(call, param, annotation, path_names, connection_type))
    return specs


def _hints(call: Callable[..., Any]) -> dict[str, Any]:
    target: Any = call
    if inspect.isclass(call):
        target = call.__init__
    elif not (inspect.isfunction(call) or inspect.ismethod(call)) and callable(call):
        target = type(call).__call__  # a callable object
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception as exc:  # NameError for forward refs, TypeError for odd objects
        raise ParameterError(
            f"cannot resolve the type hints of {_name(call)}: {exc}; "
            "define the types it names before the handler is registered"
        ) from exc


def _spec(
    call: Callable[..., Any],
    param: inspect.Parameter,
    annotation: Any,
    path_names: Mapping[str, Any],
    connection_type: type | None,
) -> ParamSpec:
    base, extras = split_annotated(annotation)
    marker: Param | None = None
    depends: Depends | None = None
    validators: list[Validator] = []
    kept: list[Any] = []
    for extra in extras:
        if isinstance(extra, Param):
            marker = extra
        elif isinstance(extra, Depends):
            depends = extra
        elif isinstance(extra, Validator):
            validators.append(extra)
        else:
            kept.append(extra)
    default = param.default if param.default is not inspect.Parameter.empty else MISSING
    if isinstance(default, Param):
        marker, default = default, default.default
    elif isinstance(default, Depends):
        depends, default = default, MISSING
    if marker is not None and marker.default is not MISSING:
        default = marker.default
    if depends is None and marker is None and is_subclass(base, BackgroundTasks):
        depends = Depends(request_background_tasks)  # the app runs them after the response
    clean = Annotated[(base, *kept)] if kept else base

    def spec(source: Source, wire: str) -> ParamSpec:
        constraints = marker.constraints if marker is not None else {}
        return ParamSpec(
            name=param.name,
            source=source,
            wire_name=wire,
            annotation=clean,
            type=constrained_type(clean, constraints),
            required=default is MISSING,
            default=default,
            marker=marker,
            depends=depends,
            validators=tuple(validators),
        )

    where = f"{_name(call)}: parameter {param.name!r}"
    if depends is not None:
        if marker is not None:
            raise ParameterError(f"{where} has both Depends() and {type(marker).__name__}()")
        if depends.dependency is None and not callable(base):
            raise ParameterError(f"{where}: Depends() needs a callable or a class annotation")
        return spec("dependency", param.name)
    alias = marker.alias if marker is not None else None
    if marker is not None:
        if isinstance(marker, Header):
            wire = alias or (
                param.name.replace("_", "-") if marker.convert_underscores else param.name
            )
            return spec("header", wire.lower())
        if isinstance(marker, Body | Form | File):
            _check_body_type(where, marker, base)
        return spec(marker.location, alias or param.name)
    if connection_type is not None and base is not object and _accepts(base, connection_type):
        return spec("connection", param.name)
    if param.name in path_names:
        return spec("path", param.name)
    if is_upload_type(base):
        return spec("file", param.name)
    if is_structured(base):
        return spec("body", param.name)
    if is_scalar(base) or (item_type(base) is not None and is_scalar(item_type(base))):
        return spec("query", param.name)
    raise ParameterError(
        f"{where}: cannot tell where a {base!r} comes from; mark it with "
        "Depends(), Query(), Header(), Cookie(), Body(), Form() or File()"
    )


def _accepts(base: Any, connection_type: type) -> bool:
    try:
        return isinstance(base, type) and issubclass(connection_type, base)
    except TypeError:  # TypedDict and friends refuse class checks
        return False


def _check_body_type(where: str, marker: Param, base: Any) -> None:
    if isinstance(marker, File) and not _file_like(base):
        raise ParameterError(f"{where}: File() needs UploadFile, bytes or a list of them")


def _file_like(tp: Any) -> bool:
    inner, _ = split_optional(tp)
    item = item_type(inner)
    target = item if item is not None else inner
    return target is bytes or is_upload_type(target)


def is_upload_type(tp: Any) -> bool:
    """True for ``UploadFile``, ``UploadFile | None`` and ``list[UploadFile]``."""
    inner, _ = split_optional(split_annotated(tp)[0])
    item = item_type(inner)
    target = item if item is not None else inner
    return is_subclass(target, UploadFile)


CallKind = Literal["sync", "async", "gen", "agen"]


def callable_kind(call: Callable[..., Any]) -> CallKind:
    """How to call ``call``: plain, awaited, or entered as a (async) generator."""
    targets: list[Any] = [call]
    if not inspect.isroutine(call) and not inspect.isclass(call):
        targets.append(getattr(call, "__call__", None))  # noqa: B004
    for target in targets:
        if inspect.isasyncgenfunction(target):
            return "agen"
        if inspect.isgeneratorfunction(target):
            return "gen"
        if inspect.iscoroutinefunction(target):
            return "async"
    return "sync"


def _name(call: Callable[..., Any]) -> str:
    return getattr(call, "__qualname__", None) or repr(call)
