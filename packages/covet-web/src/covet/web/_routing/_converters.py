"""Path converters: what ``{id:int}`` in a route path matches and turns into.

A converter is a regular expression for one path segment (``path`` may span several), a
function from the matched text to a Python value and one back for ``url_for``. A value
that matches the pattern but fails to convert (``2023-02-30`` for ``date``) is a 404, not
an error.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from ..errors import ConfigurationError

__all__ = ["BUILTIN_CONVERTERS", "Converter", "ConverterRegistry"]


class Converter:
    """How a path parameter is matched and converted.

    ``python_type`` is the type of the converted value (for handler validation and the
    OpenAPI schema).
    """

    __slots__ = ("_regex", "name", "pattern", "python_type", "to_python", "to_url")

    def __init__(
        self,
        name: str,
        pattern: str,
        to_python: Callable[[str], Any] = str,
        to_url: Callable[[Any], str] = str,
        *,
        python_type: type[Any] = str,
    ) -> None:
        try:
            self._regex = re.compile(pattern)
        except re.error as exc:
            raise ConfigurationError(
                f"converter {name!r}: invalid pattern {pattern!r}: {exc}"
            ) from None
        if self._regex.groups:
            # Groups would shift the positions of the route's own groups.
            self._regex = re.compile(_strip_groups(pattern))
        self.name = name
        self.pattern = self._regex.pattern
        self.to_python = to_python
        self.to_url = to_url
        self.python_type = python_type

    def fullmatch(self, text: str) -> bool:
        """Whether ``text`` is a whole match of the pattern."""
        return self._regex.fullmatch(text) is not None

    def __repr__(self) -> str:
        return f"Converter({self.name!r}, {self.pattern!r})"


def _strip_groups(pattern: str) -> str:
    # Turn capturing groups "(" into non-capturing "(?:", leaving escapes and (? alone.
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


def _wrong_type(value: Any, expected: str) -> TypeError:
    return TypeError(f"expected {expected}, got {type(value).__name__}")


def _float_to_url(value: float) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong_type(value, "a float or an int")
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        raise ValueError("only finite, non-negative floats fit a float path parameter")
    return repr(float(value))


def _int_to_url(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(value, "an int")
    if value < 0:
        raise ValueError("only non-negative ints fit an int path parameter")
    return str(int(value))


def _uuid_to_url(value: uuid.UUID | str) -> str:
    # A string is taken as is; the converter's pattern then checks it.
    if not isinstance(value, (uuid.UUID, str)):
        raise _wrong_type(value, "a uuid.UUID or a str")
    return str(value)


def _date_to_url(value: datetime.date) -> str:
    if not isinstance(value, datetime.date):
        raise _wrong_type(value, "a datetime.date")
    return datetime.date.isoformat(value)


BUILTIN_CONVERTERS: Final[Mapping[str, Converter]] = {
    "str": Converter("str", r"[^/]+"),
    "int": Converter("int", r"[0-9]+", int, _int_to_url, python_type=int),
    "float": Converter("float", r"[0-9]+(?:\.[0-9]+)?", float, _float_to_url, python_type=float),
    "uuid": Converter(
        "uuid",
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        uuid.UUID,
        _uuid_to_url,
        python_type=uuid.UUID,
    ),
    "path": Converter("path", r".*"),
    "slug": Converter("slug", r"[-a-zA-Z0-9_]+"),
    "date": Converter(
        "date",
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
        datetime.date.fromisoformat,
        _date_to_url,
        python_type=datetime.date,
    ),
}

# The converter an untyped ``{name}`` gets from the handler's annotation.
_BY_TYPE: Final[Mapping[Any, str]] = {
    int: "int",
    float: "float",
    uuid.UUID: "uuid",
    datetime.date: "date",
    str: "str",
}


class ConverterRegistry:
    """The converters an app knows: the built-in ones plus those it registered."""

    __slots__ = ("_converters",)

    def __init__(self) -> None:
        self._converters: dict[str, Converter] = dict(BUILTIN_CONVERTERS)

    def register(self, converter: Converter) -> None:
        """Add (or replace) a converter by its name."""
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", converter.name):
            raise ConfigurationError(
                f"converter name {converter.name!r} must be an identifier (letters, digits, _)"
            )
        self._converters[converter.name] = converter

    def get(self, name: str) -> Converter:
        """The converter called ``name``; a clear error names the known ones."""
        try:
            return self._converters[name]
        except KeyError:
            known = ", ".join(sorted(self._converters))
            raise ConfigurationError(
                f"unknown path converter {name!r}; known converters: {known} "
                "(add one with app.register_converter())"
            ) from None

    def for_annotation(self, annotation: Any) -> Converter:
        """The converter for a parameter annotated ``annotation`` (``str`` if unknown)."""
        name = _BY_TYPE.get(annotation)
        if name is None:
            # A registered converter whose python_type is the annotation also fits.
            for converter in self._converters.values():
                if converter.python_type is annotation and annotation is not str:
                    return converter
            name = "str"
        return self._converters[name]
