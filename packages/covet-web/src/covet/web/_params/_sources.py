"""Per-parameter extractors for path, query, header and cookie values.

Each extractor is a small closure built at start-up: ``extract(request, errors)``
returns the converted value, or appends an error and returns :data:`INVALID`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import msgspec

from ._analysis import ParamSpec
from ._convert import Converter, is_sequence, string_converter
from ._errors import ErrorDetail, ParameterError
from ._validation import error_from_msgspec, missing_error

__all__ = ["INVALID", "Extractor", "make_extractor", "path_converter"]


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Final[Any] = _Invalid()
"""The value of a parameter whose conversion failed (the request then fails with 422)."""

Extractor = Callable[[Any, list[ErrorDetail]], Any]


def make_extractor(spec: ParamSpec, path_types: dict[str, Any]) -> Extractor:
    """The extractor for one path/query/header/cookie/connection parameter."""
    if spec.source == "connection":
        return _connection
    if spec.source == "path":
        return _path_extractor(spec, path_types.get(spec.wire_name))
    if spec.source in ("query", "header", "cookie"):
        return _string_extractor(spec)
    raise AssertionError(f"no extractor for source {spec.source!r}")  # pragma: no cover


def _connection(request: Any, errors: list[ErrorDetail]) -> Any:
    return request


def path_converter(annotation: Any, router_type: Any) -> Converter | None:
    """Convert what the router matched (already typed by its converter) to the annotation."""
    if annotation is Any or annotation is router_type:
        return None
    # The router gives str for a plain {name}; a converter of another type than the
    # annotation is reconciled through msgspec's lax conversion.
    return string_converter(annotation)


def _path_extractor(spec: ParamSpec, router_type: Any) -> Extractor:
    name = spec.wire_name
    convert = path_converter(spec.type, router_type)
    loc_base: list[str | int] = ["path", name]

    def extract_path(request: Any, errors: list[ErrorDetail]) -> Any:
        try:
            raw = request.path_params[name]
        except KeyError:
            errors.append(missing_error(list(loc_base)))
            return INVALID
        if convert is None:
            return raw
        try:
            return convert(raw)
        except msgspec.ValidationError as exc:
            errors.append(error_from_msgspec(exc, list(loc_base)))
            return INVALID

    return extract_path


def _string_extractor(spec: ParamSpec) -> Extractor:
    source = spec.source
    name = spec.wire_name
    required = spec.required
    default = spec.default
    many = is_sequence(spec.type)
    try:
        convert = string_converter(spec.type)
    except ParameterError as exc:
        raise ParameterError(f"parameter {spec.name!r}: {exc}") from None
    loc_base: list[str | int] = [source, name]
    attr = {"query": "query_params", "header": "headers", "cookie": "cookies"}[source]
    if many and source == "cookie":
        raise ParameterError(f"parameter {spec.name!r}: a cookie has a single value, not a list")

    def missing(errors: list[ErrorDetail]) -> Any:
        if required:
            errors.append(missing_error(list(loc_base)))
            return INVALID
        return default

    if many:

        def extract_many(request: Any, errors: list[ErrorDetail]) -> Any:
            raw = getattr(request, attr).getlist(name)
            if not raw:
                return missing(errors)
            if convert is None:
                return raw
            try:
                return convert(raw)
            except msgspec.ValidationError as exc:
                errors.append(error_from_msgspec(exc, list(loc_base)))
                return INVALID

        return extract_many

    if convert is None:

        def extract_str(request: Any, errors: list[ErrorDetail]) -> Any:
            raw = getattr(request, attr).get(name)
            return missing(errors) if raw is None else raw

        return extract_str

    def extract_one(request: Any, errors: list[ErrorDetail]) -> Any:
        raw = getattr(request, attr).get(name)
        if raw is None:
            return missing(errors)
        try:
            return convert(raw)
        except msgspec.ValidationError as exc:
            errors.append(error_from_msgspec(exc, list(loc_base)))
            return INVALID

    return extract_one
