"""SQL functions, aggregates and window functions: ``func.count()``, ``.over(...)``, CASE.

``func.<name>(...)`` builds a call to any SQL function; the name is checked to be a
plain identifier (dotted for a schema), since it is written into the SQL unquoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import CompileError
from ._base import P_CMP, P_NOT, ClauseElement
from ._elements import BoolList, ColumnElement, OrderItem, coerce, coerce_condition
from ._writer import SQLWriter

__all__ = ["Case", "FunctionCall", "Over", "case", "func"]

_FUNC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
Frame = tuple[int | None, int | None]


class FunctionCall(ColumnElement):
    """``name(args...)``, with an optional aggregate ``FILTER (WHERE ...)``."""

    __slots__ = ("args", "filter_", "name")

    def __init__(
        self, name: str, args: tuple[ColumnElement, ...], filter_: ColumnElement | None = None
    ) -> None:
        key: list[Any] = ["fn", name]
        params: tuple[Any, ...] = ()
        for arg in args:
            key.append(arg._key)
            if arg._params:
                params += arg._params
        if filter_ is not None:
            key.append(("filter", filter_._key))
            params += filter_._params
        self._key = tuple(key)
        self._params = params
        self.name = name
        self.args = args
        self.filter_ = filter_

    def filter(self, *conditions: ColumnElement) -> FunctionCall:
        """``agg(...) FILTER (WHERE conditions)``: aggregate only the matching rows."""
        if not conditions:
            raise CompileError(f"{self.name}().filter() needs at least one condition")
        checked = tuple(coerce_condition(c, "filter()") for c in conditions)
        condition = checked[0] if len(checked) == 1 else BoolList("AND", checked)
        return FunctionCall(self.name, self.args, condition)

    def over(
        self,
        partition_by: ColumnElement | Iterable[ColumnElement] | None = None,
        order_by: ColumnElement | OrderItem | Iterable[ColumnElement | OrderItem] | None = None,
        *,
        rows: Frame | None = None,
        range_: Frame | None = None,
    ) -> Over:
        """``fn OVER (PARTITION BY ... ORDER BY ... [ROWS|RANGE BETWEEN ...])``.

        A frame is ``(start, end)``: ``None`` is UNBOUNDED, ``0`` the CURRENT ROW, ``-n``
        n PRECEDING and ``n`` n FOLLOWING (``rows=(None, 0)``: running total).
        """
        return Over(self, _as_tuple(partition_by), _as_tuple(order_by), rows, range_)

    def _children(self) -> tuple[ClauseElement, ...]:
        return self.args

    def _render(self, w: SQLWriter) -> None:
        w.write(self.name + "(")
        if not self.args and self.name.lower() == "count":
            w.write("*")
        else:
            w.join(self.args)
        w.write(")")
        if self.filter_ is not None:
            w.write(" FILTER (WHERE ")
            self.filter_._render(w)
            w.write(")")


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, ClauseElement):
        return (value,)
    return tuple(value)


def _frame_bound(value: int | None, start: bool) -> str:
    if value is None:
        return "UNBOUNDED PRECEDING" if start else "UNBOUNDED FOLLOWING"
    if type(value) is not int:
        raise CompileError(f"a window frame bound must be an int or None, got {value!r}")
    if value == 0:
        return "CURRENT ROW"
    # A validated int is written inline: some engines take no parameter here.
    return f"{-value} PRECEDING" if value < 0 else f"{value} FOLLOWING"


class Over(ColumnElement):
    """A window function call: ``fn OVER (...)``."""

    __slots__ = ("frame", "function", "order_by", "partition_by")

    def __init__(
        self,
        function: FunctionCall,
        partition_by: tuple[Any, ...],
        order_by: tuple[Any, ...],
        rows: Frame | None,
        range_: Frame | None,
    ) -> None:
        if rows is not None and range_ is not None:
            raise CompileError("over() takes rows= or range_=, not both")
        frame = ""
        for kind, bounds in (("ROWS", rows), ("RANGE", range_)):
            if bounds is not None:
                if not isinstance(bounds, tuple) or len(bounds) != 2:
                    raise CompileError(f"{kind.lower()}= must be a (start, end) pair")
                start, end = _frame_bound(bounds[0], True), _frame_bound(bounds[1], False)
                frame = f" {kind} BETWEEN {start} AND {end}"
        parts = tuple(coerce(p) for p in partition_by)
        orders = tuple(o if isinstance(o, OrderItem) else coerce(o) for o in order_by)
        self._key = (
            "over",
            function._key,
            tuple(p._key for p in parts),
            tuple(o._key for o in orders),
            frame,
        )
        params = function._params
        for item in (*parts, *orders):
            params += item._params
        self._params = params
        self.function = function
        self.partition_by = parts
        self.order_by = orders
        self.frame = frame

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.function, *self.partition_by, *self.order_by)

    def _render(self, w: SQLWriter) -> None:
        self.function._render(w)
        w.write(" OVER (")
        if self.partition_by:
            w.write("PARTITION BY ")
            w.join(self.partition_by)
        if self.order_by:
            w.write(" ORDER BY " if self.partition_by else "ORDER BY ")
            w.join(self.order_by)
        if self.frame:
            w.write(self.frame if self.partition_by or self.order_by else self.frame[1:])
        w.write(")")


class _FunctionName:
    """``func.name`` (and ``func.schema.name``): call it to build the SQL call."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, name: str) -> _FunctionName:
        if name.startswith("__"):
            raise AttributeError(name)
        return _FunctionName(f"{self._name}.{_check_name(name)}")

    def __call__(self, *args: object) -> FunctionCall:
        return FunctionCall(self._name, tuple(coerce(a) for a in args))


def _check_name(name: str) -> str:
    if _FUNC_NAME.fullmatch(name) is None:
        raise CompileError(f"not a plain SQL function name: {name!r}")
    return name


class _Functions:
    """``func.count()``, ``func.lower(users.c.name)``, ``func.now()``: any SQL function.

    Arguments that are not SQL expressions become bound parameters.
    ``func.count()`` with no argument is ``count(*)``.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> _FunctionName:
        if name.startswith("__"):
            raise AttributeError(name)
        return _FunctionName(_check_name(name))


func = _Functions()


class Case(ColumnElement):
    """``CASE [value] WHEN ... THEN ... [ELSE ...] END``."""

    __slots__ = ("else_", "value", "whens")

    def __init__(
        self,
        whens: tuple[tuple[ColumnElement, ColumnElement], ...],
        value: ColumnElement | None,
        else_: ColumnElement | None,
    ) -> None:
        if not whens:
            raise CompileError("case() needs at least one (condition, result) pair")
        key: list[Any] = ["case", None if value is None else value._key]
        params: tuple[Any, ...] = () if value is None else value._params
        for cond, result in whens:
            key.append((cond._key, result._key))
            params += cond._params + result._params
        key.append(None if else_ is None else else_._key)
        if else_ is not None:
            params += else_._params
        self._key = tuple(key)
        self._params = params
        self.whens = whens
        self.value = value
        self.else_ = else_

    def _children(self) -> tuple[ClauseElement, ...]:
        found: list[ClauseElement] = [] if self.value is None else [self.value]
        for cond, result in self.whens:
            found += (cond, result)
        if self.else_ is not None:
            found.append(self.else_)
        return tuple(found)

    def _render(self, w: SQLWriter) -> None:
        w.write("CASE")
        if self.value is not None:
            w.write(" ")
            w.sub(self.value, P_CMP + 1)
        for cond, result in self.whens:
            w.write(" WHEN ")
            w.sub(cond, P_NOT)
            w.write(" THEN ")
            w.sub(result, P_CMP + 1)
        if self.else_ is not None:
            w.write(" ELSE ")
            w.sub(self.else_, P_CMP + 1)
        w.write(" END")


def case(
    *whens: tuple[object, object] | Mapping[Any, object],
    value: object = None,
    else_: object = None,
) -> Case:
    """``case((cond, result), ..., else_=x)``, or ``case({1: "one"}, value=col)``.

    With ``value``, each key is compared to it (``CASE value WHEN key THEN ...``).
    Results and keys that are not SQL expressions become bound parameters.
    """
    pairs: list[tuple[ColumnElement, ColumnElement]] = []
    for when in whens:
        items = when.items() if isinstance(when, Mapping) else [when]
        for item in items:
            if not isinstance(item, tuple) or len(item) != 2:
                raise CompileError(f"case() takes (condition, result) pairs, got {item!r}")
            cond = coerce(item[0]) if value is not None else coerce_condition(item[0], "case()")
            pairs.append((cond, coerce(item[1])))
    return Case(
        tuple(pairs),
        None if value is None else coerce(value),
        None if else_ is None else coerce(else_),
    )
