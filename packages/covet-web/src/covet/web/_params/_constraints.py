"""Constraints written for one validator where the other one validates.

msgspec reads ``msgspec.Meta`` and ignores every other ``Annotated`` extra, so
``Annotated[int, Ge(0)]`` would silently accept ``-1``; pydantic, the other way round,
ignores ``msgspec.Meta`` (which is also what ``Body(max_length=...)`` attaches). At
start-up, wherever the annotation can be rebuilt (a parameter's own type, its items and
values), ``for_msgspec`` and ``for_pydantic`` rewrite constraints into the form the
validator reads. Inside a class, which the validator reads by itself, ``reject_ignored``
refuses a constraint it would ignore, with the fix: a constraint is never dropped.

A constraint on ``T | None`` constrains ``T``: msgspec refuses ``Meta(le=10)`` on a union,
so ``for_msgspec`` moves it onto every member but ``None``.
"""

from __future__ import annotations

import dataclasses
import operator
import types
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin

import msgspec

from ._errors import ParameterError
from ._fields import iter_types, object_fields
from ._typing import is_model, is_pydantic_model, split_annotated

__all__ = ["for_msgspec", "for_pydantic", "reject_ignored"]

Engine = Literal["msgspec", "pydantic"]
_META_KEYS: Final = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern")
_META_CHECKS: Final = (*_META_KEYS, "tz")
_META_DOCS: Final = ("title", "description", "examples", "extra_json_schema", "extra")
_UNIONS = (Union, types.UnionType)


def _is_pydantic_style(extra: Any) -> bool:
    """An ``annotated_types`` constraint or a pydantic ``Field``/validator (not docs only)."""
    module = type(extra).__module__.partition(".")[0]
    if module not in ("annotated_types", "pydantic", "pydantic_core"):
        return False
    return not (type(extra).__name__ == "FieldInfo" and not getattr(extra, "metadata", None))


def _meta_constraints(extra: Any) -> dict[str, Any]:
    """The constraints of a ``msgspec.Meta`` (not its docs) that pydantic also has."""
    return _meta_values(extra, _META_KEYS)


def _to_meta(extra: Any) -> list[Any]:
    """``extra`` as ``msgspec.Meta`` objects; raises ParameterError when it cannot be."""
    if not _is_pydantic_style(extra):
        return [extra]
    if type(extra).__name__ == "FieldInfo":
        return [meta for item in extra.metadata for meta in _to_meta(item)]
    values: dict[str, Any] = {}
    if dataclasses.is_dataclass(extra):
        values = {f.name: getattr(extra, f.name) for f in dataclasses.fields(extra)}
    elif type(extra).__name__ == "_PydanticGeneralMetadata":
        values = dict(vars(extra))
    kept = {k: v for k, v in values.items() if v is not None}
    if not kept or not kept.keys() <= set(_META_KEYS):
        raise ParameterError(
            f"{extra!r} is not enforced outside pydantic models; use msgspec.Meta(...) for "
            "constraints and covet.web.params.Validator(fn) for checks"
        )
    return [msgspec.Meta(**kept)]


def _to_field(extra: Any) -> list[Any]:
    """``msgspec.Meta`` constraints as a pydantic ``Field``; other extras unchanged."""
    if not isinstance(extra, msgspec.Meta):
        return [extra]
    constraints = _meta_constraints(extra)
    if not constraints:
        return []  # docs only
    from pydantic import Field  # only reached for a type that holds a pydantic model

    field: Any = Field(**constraints)
    return [field]


def for_msgspec(tp: Any) -> Any:
    """``tp`` with pydantic-style constraints as ``msgspec.Meta`` (``tp`` itself if none)."""
    return _rewrite(tp, _to_meta)


def for_pydantic(tp: Any) -> Any:
    """``tp`` with ``msgspec.Meta`` constraints as pydantic ``Field``s (``tp`` if none)."""
    return _rewrite(tp, _to_field)


def _rewrite(tp: Any, convert: Callable[[Any], list[Any]]) -> Any:
    base, extras = split_annotated(tp)
    new_base = _rewrite_args(base, convert)
    new_extras = [out for extra in extras for out in convert(extra)]
    if get_origin(new_base) in _UNIONS:
        new_base, new_extras = _onto_members(new_base, new_extras)
    same = len(new_extras) == len(extras) and all(map(operator.is_, new_extras, extras))
    if new_base is base and same:
        return tp
    return Annotated[(new_base, *new_extras)] if new_extras else new_base


def _rewrite_args(base: Any, convert: Callable[[Any], list[Any]]) -> Any:
    origin = get_origin(base)
    args = get_args(base)
    if origin is None or not args or origin is Literal:
        return base
    if origin in _UNIONS:
        members = tuple(_rewrite(a, convert) for a in args)
        return base if all(map(operator.is_, members, args)) else Union[members]  # noqa: UP007
    if origin not in (list, set, frozenset, tuple, dict) and not _is_abc(origin):
        return base
    new = tuple(a if a is Ellipsis else _rewrite(a, convert) for a in args)
    return base if all(map(operator.is_, new, args)) else origin[new]


def _onto_members(union: Any, extras: list[Any]) -> tuple[Any, list[Any]]:
    """Move the ``msgspec.Meta`` constraints on ``union`` onto its members but ``None``.

    ``Annotated[int | None, Meta(le=10)]`` becomes ``Annotated[int, Meta(le=10)] | None``;
    the docs of a ``Meta`` (title, description...) stay on the union.
    """
    moved: list[msgspec.Meta] = []
    kept: list[Any] = []
    for extra in extras:
        checks = _meta_values(extra, _META_CHECKS)
        if not checks:
            kept.append(extra)
            continue
        moved.append(msgspec.Meta(**checks))
        docs = _meta_values(extra, _META_DOCS)
        if docs:
            kept.append(msgspec.Meta(**docs))
    if not moved:
        return union, extras
    members = tuple(m if m is type(None) else Annotated[(m, *moved)] for m in get_args(union))
    return Union[members], kept  # noqa: UP007


def _meta_values(extra: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(extra, msgspec.Meta):
        return {}
    return {k: getattr(extra, k) for k in keys if getattr(extra, k) is not None}


def _is_abc(origin: Any) -> bool:
    return getattr(origin, "__module__", None) == "collections.abc"


def reject_ignored(tp: Any, where: str, engine: Engine) -> None:
    """Raise ParameterError if a class inside ``tp`` has constraints ``engine`` ignores.

    msgspec reads dataclasses, TypedDicts and Structs; pydantic reads its models, and also
    the dataclasses and TypedDicts of a type that holds a pydantic model.
    """
    if engine == "msgspec":
        ignored, advice = _is_pydantic_style, "msgspec does not enforce; use msgspec.Meta(...)"
        skip_model: Callable[[Any], bool] = is_pydantic_model
    else:
        ignored = _has_meta_constraints
        advice = "pydantic does not enforce; use pydantic.Field(...)"
        skip_model = _never
    for node in iter_types(tp, into=lambda model: not skip_model(model)):
        model = split_annotated(node)[0]
        if not is_model(model) or skip_model(model):
            continue
        for field in object_fields(model) or ():
            for extra in _extras(field.type):
                if ignored(extra):
                    raise ParameterError(
                        f"{where}: field {field.attr!r} of {model.__qualname__} has "
                        f"{extra!r}, which {advice} for constraints and "
                        "covet.web.params.Validator(fn) for checks"
                    )


def _has_meta_constraints(extra: Any) -> bool:
    return bool(_meta_constraints(extra))


def _never(model: Any) -> bool:
    return False


def _extras(tp: Any) -> Iterable[Any]:
    """The ``Annotated`` extras of a field's own annotation (not of the models it names)."""
    stack = [tp]
    while stack:
        base, extras = split_annotated(stack.pop())
        yield from extras
        if not is_model(base) and get_origin(base) is not Literal:
            # Generic arguments (items, values, members); plain classes have no origin.
            stack.extend(a for a in get_args(base) if get_origin(a) is not None)
