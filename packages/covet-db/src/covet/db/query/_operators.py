"""Free functions that build expressions: and_, or_, not_, literal, cast, any_, exists..."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import CompileError
from ._base import P_ATOM, P_CMP, P_NOT, ClauseElement, SelectBase
from ._elements import (
    Bind,
    BindParam,
    BoolList,
    Cast,
    ColumnElement,
    InList,
    InSelect,
    Keyword,
    Prefixed,
    coerce,
    coerce_condition,
)
from ._writer import SQLWriter

__all__ = [
    "Exists",
    "all_",
    "and_",
    "any_",
    "bindparam",
    "cast",
    "distinct",
    "exists",
    "false",
    "literal",
    "not_",
    "null",
    "or_",
    "true",
    "tuple_",
]


def and_(*conditions: object) -> ColumnElement:
    """``a AND b AND ...``; ``and_()`` with nothing is TRUE."""
    checked = tuple(coerce_condition(c, "and_()") for c in conditions)
    if not checked:
        return Keyword("TRUE")
    return checked[0] if len(checked) == 1 else BoolList("AND", checked)


def or_(*conditions: object) -> ColumnElement:
    """``a OR b OR ...``; ``or_()`` with nothing is FALSE."""
    checked = tuple(coerce_condition(c, "or_()") for c in conditions)
    if not checked:
        return Keyword("FALSE")
    return checked[0] if len(checked) == 1 else BoolList("OR", checked)


def not_(condition: object) -> ColumnElement:
    """``NOT condition`` (same as ``~condition``)."""
    return ~coerce_condition(condition, "not_()")


def literal(value: Any, type_: str | type | None = None) -> ColumnElement:
    """``value`` as a bound parameter; with ``type_``, ``CAST(param AS type_)``.

    PostgreSQL cannot guess the type of a parameter that stands alone in a select list;
    give it a type there: ``literal(1, int)``.
    """
    bind = Bind(value)
    return bind if type_ is None else Cast(bind, type_)


def bindparam(name: str) -> ColumnElement:
    """A named parameter filled at execution: ``db.fetch_all(stmt, {name: value})``."""
    return BindParam(name)


def null() -> ColumnElement:
    """SQL ``NULL``."""
    return Keyword("NULL")


def true() -> ColumnElement:
    """SQL ``TRUE``."""
    return Keyword("TRUE")


def false() -> ColumnElement:
    """SQL ``FALSE``."""
    return Keyword("FALSE")


def cast(expression: object, type_: str | type) -> ColumnElement:
    """``CAST(expression AS type_)``; ``type_`` is a SQL type name or int/str/float/bool/bytes."""
    return Cast(coerce(expression), type_)


def distinct(expression: object) -> ColumnElement:
    """``DISTINCT expression``, for aggregates: ``func.count(distinct(users.c.city))``."""
    return Prefixed("DISTINCT ", coerce(expression))


class Tuple(ColumnElement):
    """A row value ``(a, b, ...)``: compare rows, ``tuple_(a, b) > tuple_(1, 2)``."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[ColumnElement, ...]) -> None:
        if not items:
            raise CompileError("tuple_() needs at least one element")
        params: tuple[Any, ...] = ()
        for item in items:
            params += item._params
        self._key = ("row", *(item._key for item in items))
        self._params = params
        self.items = items

    def _children(self) -> tuple[ClauseElement, ...]:
        return self.items

    def _render(self, w: SQLWriter) -> None:
        w.write("(")
        w.join(self.items, ", ", P_NOT)
        w.write(")")


def tuple_(*items: object) -> ColumnElement:
    """A row value ``(a, b)``; values become parameters."""
    return Tuple(tuple(coerce(i) for i in items))


class Exists(ColumnElement):
    """``EXISTS (SELECT ...)``; ``~`` makes it ``NOT EXISTS``."""

    __slots__ = ("negate", "select")

    def __init__(self, select: SelectBase, negate: bool = False) -> None:
        key, self._params = select._shape()
        self._key = ("exists", negate, key)
        self.select = select
        self.negate = negate

    @property
    def _prec(self) -> int:  # type: ignore[override]
        return P_NOT if self.negate else P_ATOM

    def __invert__(self) -> ColumnElement:
        return Exists(self.select, not self.negate)

    def _render(self, w: SQLWriter) -> None:
        w.write("NOT EXISTS " if self.negate else "EXISTS ")
        self.select._render(w)


def exists(select: SelectBase) -> ColumnElement:
    """``EXISTS (select)``."""
    if not isinstance(select, SelectBase):
        raise TypeError(f"exists() takes a select(...), got {type(select).__name__}")
    return Exists(select)


class Quantified(ColumnElement):
    """``ANY(...)``/``ALL(...)`` awaiting a comparison: ``col == any_([1, 2])``."""

    __slots__ = ("kind", "source")

    def __init__(self, kind: str, source: list[Any] | SelectBase | ColumnElement) -> None:
        self._key = ("quantified", kind)
        self._params = ()
        self.kind = kind
        self.source = source

    def _quantified(self, left: ColumnElement, op: str) -> ColumnElement:
        source = self.source
        if op in ("=", "<>") and (op == "=") == (self.kind == "ANY"):
            negate = op == "<>"
            if isinstance(source, list):
                return InList(left, source, negate)
            if isinstance(source, SelectBase):
                return InSelect(left, source, negate)
        return QuantifiedCompare(left, op, self.kind, source)

    # ``any_(x) == col`` reads as ``col == any_(x)``.
    def __eq__(self, other: object) -> ColumnElement:  # type: ignore[override]
        return self._quantified(coerce(other), "=")

    def __ne__(self, other: object) -> ColumnElement:  # type: ignore[override]
        return self._quantified(coerce(other), "<>")

    def __lt__(self, other: object) -> ColumnElement:
        return self._quantified(coerce(other), ">")

    def __le__(self, other: object) -> ColumnElement:
        return self._quantified(coerce(other), ">=")

    def __gt__(self, other: object) -> ColumnElement:
        return self._quantified(coerce(other), "<")

    def __ge__(self, other: object) -> ColumnElement:
        return self._quantified(coerce(other), "<=")

    def _render(self, w: SQLWriter) -> None:
        raise CompileError(f"{self.kind.lower()}_() must be compared: col == any_(values)")


class QuantifiedCompare(ColumnElement):
    """``left op ANY(array)`` / ``ALL(...)``: PostgreSQL only, except where it means IN."""

    __slots__ = ("kind", "left", "operator", "source")
    _prec = P_CMP

    def __init__(
        self,
        left: ColumnElement,
        op: str,
        kind: str,
        source: list[Any] | SelectBase | ColumnElement,
    ) -> None:
        if isinstance(source, list):
            skey: Any = "list"
            sparams: tuple[Any, ...] = (source,)
        elif isinstance(source, SelectBase):
            skey, sparams = source._shape()
        else:
            skey, sparams = source._key, source._params
        self._key = ("qcmp", op, kind, left._key, skey)
        self._params = left._params + sparams
        self.left = left
        self.operator = op
        self.kind = kind
        self.source = source

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.left,)

    def _render(self, w: SQLWriter) -> None:
        if not w.pg:
            raise CompileError(
                f"{self.operator} {self.kind}(...) is PostgreSQL-only; on SQLite only "
                "= any_(...) and <> all_(...) work (as IN and NOT IN)"
            )
        w.sub(self.left, P_CMP + 1)
        w.write(f" {self.operator} {self.kind}")
        source = self.source
        if isinstance(source, list):
            w.write("(")
            w.bind(source)
            w.write(")")
        elif isinstance(source, SelectBase):
            w.write(" ")
            source._render(w)
        else:
            w.write("(")
            source._render(w)
            w.write(")")


def _quantified_source(name: str, values: object) -> list[Any] | SelectBase | ColumnElement:
    if isinstance(values, SelectBase | ColumnElement):
        return values
    if isinstance(values, str | bytes | bytearray | dict) or not isinstance(values, Iterable):
        raise TypeError(
            f"{name}() takes a list of values, a select or an array expression, "
            f"got {type(values).__name__}: {values!r}"
        )
    return list(values)


def any_(values: Iterable[Any] | SelectBase | ColumnElement) -> ColumnElement:
    """``ANY(values)`` for a comparison: ``col == any_([1, 2])`` (like ``in_``).

    A list is one array parameter on PostgreSQL; on SQLite ``== any_(...)`` becomes IN.
    """
    return Quantified("ANY", _quantified_source("any_", values))


def all_(values: Iterable[Any] | SelectBase | ColumnElement) -> ColumnElement:
    """``ALL(values)`` for a comparison: ``col != all_([1, 2])`` (like ``not_in``)."""
    return Quantified("ALL", _quantified_source("all_", values))
