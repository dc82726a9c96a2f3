"""What a statement reads from: the FromClause base, columns, column collections, joins."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any, Literal

from ..errors import CompileError
from ._base import ClauseElement
from ._elements import ColumnElement, OrderItem, coerce_condition
from ._writer import SQLWriter

# Joins without parameters, by (left, right, on, kind); emptied when full.
_JOINS: dict[tuple[Any, ...], Join] = {}
_JOINS_SIZE = 512

__all__ = [
    "JOIN_SQL",
    "Column",
    "ColumnCollection",
    "FromClause",
    "Join",
    "JoinKind",
    "Star",
    "StarColumns",
    "expose_columns",
    "star_columns",
]

JoinKind = Literal["inner", "left", "right", "full", "cross"]
JOIN_SQL = {
    "inner": "JOIN",
    "left": "LEFT JOIN",
    "right": "RIGHT JOIN",
    "full": "FULL JOIN",
    "cross": "CROSS JOIN",
}


class FromClause(ClauseElement):
    """Something a statement reads from: a table, an alias, a subquery, a CTE, a join."""

    __slots__ = ()

    # Columns of this FROM item put it in a SELECT's FROM when none is given.
    _inferable = True

    def _render_qualifier(self, w: SQLWriter) -> None:
        """Write the name its columns are qualified with (``"users"`` in ``"users"."id"``)."""
        raise CompileError(f"{type(self).__name__} has no name to qualify columns with")

    def _qual_key(self) -> str:
        """The shape of the qualifier its columns are written with, as a str (part of
        each column's key). Tables, aliases and CTEs make it their whole key."""
        return "?" + repr(self._key)

    def _covers(self) -> tuple[Hashable, ...]:
        """Keys of the named FROM items this one brings in (a join brings both sides)."""
        return (self._key,)

    def _star_columns(self) -> tuple[ColumnElement, ...]:
        """The columns ``select(this)`` selects."""
        return (Star(self),)

    def join(
        self, target: FromClause, on: ColumnElement | None = None, *, kind: JoinKind = "inner"
    ) -> Join:
        """``this JOIN target ON on``; ``kind`` is inner, left, right, full or cross."""
        key = (self, target, on, kind)
        found = _JOINS.get(key)
        if found is None:
            found = Join(self, target, on, kind)
            if not found._params:
                # Joins of tables on columns are the same every time a query is built.
                if len(_JOINS) >= _JOINS_SIZE:
                    _JOINS.clear()
                _JOINS[key] = found
        return found

    def left_join(self, target: FromClause, on: ColumnElement) -> Join:
        """``this LEFT JOIN target ON on``."""
        return self.join(target, on, kind="left")

    def right_join(self, target: FromClause, on: ColumnElement) -> Join:
        """``this RIGHT JOIN target ON on``."""
        return self.join(target, on, kind="right")

    def full_join(self, target: FromClause, on: ColumnElement) -> Join:
        """``this FULL JOIN target ON on``."""
        return self.join(target, on, kind="full")

    def cross_join(self, target: FromClause) -> Join:
        """``this CROSS JOIN target``."""
        return self.join(target, None, kind="cross")


class Column(ColumnElement):
    """A column, qualified by its table, alias, subquery or CTE (or by nothing)."""

    __slots__ = ("name", "table")

    def __init__(self, name: str, table: FromClause | None) -> None:
        if type(name) is not str or not name:
            raise CompileError(f"a column name must be a non-empty str, got {name!r}")
        # A str, so that a statement's shape key hashes fast: the qualifier's key, then
        # the name quoted as in SQL (which keeps the parts apart).
        quoted = '"' + name.replace('"', '""') + '"'
        self._key = "C" + quoted if table is None else "C" + table._qual_key() + "." + quoted
        self._params = ()
        self.name = name
        self.table = table

    def _from_objs(self) -> tuple[Any, ...]:
        table = self.table
        return (table,) if table is not None and table._inferable else ()

    def _render(self, w: SQLWriter) -> None:
        if self.table is not None:
            self.table._render_qualifier(w)
            w.write(".")
        w.ident(self.name)

    def __repr__(self) -> str:
        return f"Column({self.name!r})"

    # Value-free nodes made of columns are the same every time a query is built, so
    # ``users.c.created.desc()`` is made once (and ``a.c.x == b.c.y``: see _comparison).
    _memoable = True

    def desc(self) -> OrderItem:
        """Descending order (for ``order_by``)."""
        return _ORDERS.get((self, True)) or _order_item(self, True)

    def asc(self) -> OrderItem:
        """Ascending order (for ``order_by``)."""
        return _ORDERS.get((self, False)) or _order_item(self, False)


def _order_item(column: Column, descending: bool) -> OrderItem:
    if len(_ORDERS) >= _ORDERS_SIZE:
        _ORDERS.clear()
    found = _ORDERS[column, descending] = OrderItem(column, descending, None)
    return found


# Order items of columns, by (column, descending); emptied when full.
_ORDERS: dict[tuple[Column, bool], OrderItem] = {}
_ORDERS_SIZE = 512


class Star(ColumnElement):
    """``"table".*``: every column of a FROM item whose columns are not declared."""

    __slots__ = ("table",)

    def __init__(self, table: FromClause) -> None:
        self._key = ("star", table._qual_key())
        self._params = ()
        self.table = table

    def _from_objs(self) -> tuple[Any, ...]:
        return (self.table,)

    def _render(self, w: SQLWriter) -> None:
        self.table._render_qualifier(w)
        w.write(".*")


class ColumnCollection:
    """The columns of a table or subquery, by attribute (``t.c.name``) or key (``t.c["name"]``).

    A table declared with column names refuses other names; one declared without any
    accepts every name.
    """

    # Columns live in the instance __dict__ too, so ``t.c.name`` is a plain attribute read.
    __slots__ = ("__dict__", "_columns", "_dynamic", "_owner")

    def __init__(self, owner: FromClause, names: tuple[str, ...] | None) -> None:
        self._owner = owner
        self._dynamic = names is None
        self._columns: dict[str, Column] = {}
        for name in names or ():
            self._add(name)

    def _add(self, name: str) -> Column:
        found = self._columns[name] = Column(name, self._owner)
        if not name.startswith("__"):
            self.__dict__[name] = found
        return found

    def _get(self, name: str) -> Column | None:
        found = self._columns.get(name)
        if found is None and self._dynamic:
            found = self._add(name)
        return found

    def _unknown(self, name: str) -> str:
        known = ", ".join(self._columns) or "(none)"
        return f"{self._owner!r} has no column {name!r}; its columns are: {known}"

    def __getattr__(self, name: str) -> Column:
        if name.startswith("__") or name in ("_columns", "_dynamic", "_owner"):
            raise AttributeError(name)
        found = self._get(name)
        if found is None:
            raise AttributeError(self._unknown(name))
        return found

    def __getitem__(self, name: str) -> Column:
        found = self._get(name) if type(name) is str else None
        if found is None:
            raise KeyError(self._unknown(str(name)))
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __iter__(self) -> Iterator[Column]:
        return iter(tuple(self._columns.values()))

    def __len__(self) -> int:
        return len(self._columns)

    def __repr__(self) -> str:
        return f"<columns of {self._owner!r}: {', '.join(self._columns)}>"


class StarColumns(tuple[Column, ...]):
    """A table's columns, as ``select(table)`` selects them, made once per table with
    their keys listed (``_keys``) so a shape key takes them in one step."""

    _keys: tuple[Hashable, ...]


def star_columns(columns: ColumnCollection) -> StarColumns:
    """The columns of ``columns`` in order, as a ``StarColumns``."""
    found = StarColumns(columns._columns.values())
    found._keys = tuple([col._key for col in found])
    return found


def expose_columns(owner: FromClause, columns: ColumnCollection) -> None:
    """Make ``owner.<name>`` a plain attribute read for each column that clashes with
    nothing on the owner's class."""
    taken = set(dir(type(owner)))
    for name, col in columns._columns.items():
        if not name.startswith("_") and name not in taken:
            owner.__dict__[name] = col


class Join(FromClause):
    """``left JOIN right ON condition`` (also LEFT, RIGHT, FULL and CROSS)."""

    __slots__ = ("kind", "left", "on", "right")

    def __init__(
        self, left: FromClause, right: FromClause, on: ColumnElement | None, kind: str
    ) -> None:
        if kind not in JOIN_SQL:
            raise CompileError(f"unknown join kind {kind!r}: expected one of {', '.join(JOIN_SQL)}")
        if not isinstance(right, FromClause):
            raise TypeError(f"join() needs a table, alias, subquery or CTE, got {right!r}")
        if kind == "cross":
            if on is not None:
                raise CompileError("a CROSS JOIN takes no ON condition")
            self._key = ("join", kind, left._key, right._key, None)
            self._params = left._params + right._params
        else:
            given: object = on
            cond = given if isinstance(given, ColumnElement) else _join_condition(given, right)
            self._key = ("join", kind, left._key, right._key, cond._key)
            self._params = left._params + right._params + cond._params
            on = cond
        self.left = left
        self.right = right
        self.on = on
        self.kind = kind

    def _covers(self) -> tuple[Hashable, ...]:
        return self.left._covers() + self.right._covers()

    def _render(self, w: SQLWriter) -> None:
        self.left._render(w)
        w.write(f" {JOIN_SQL[self.kind]} ")
        self.right._render(w)
        if self.on is not None:
            w.write(" ON ")
            self.on._render(w)

    def __repr__(self) -> str:
        return f"Join({self.left!r}, {self.right!r}, kind={self.kind!r})"


def _join_condition(on: object, right: FromClause) -> ColumnElement:
    if on is None:
        raise CompileError(
            f"join({right!r}) needs an ON condition, for example "
            "join(orders, orders.c.user_id == users.c.id); use cross_join() for none"
        )
    return coerce_condition(on, "join(on=...)")
