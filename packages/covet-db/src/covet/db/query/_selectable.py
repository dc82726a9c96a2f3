"""Set operations and what every SELECT can become: a subquery, a CTE, a scalar, EXISTS,
a UNION; and the pieces of SELECT rendering that plain and compound selects share."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from ..errors import CompileError
from ._base import P_NOT, ClauseElement, SelectBase
from ._elements import ColumnElement, Label, OrderItem, ScalarSelect
from ._from import Column, FromClause
from ._operators import Exists
from ._statement import Statement
from ._subquery import CTE, Subquery
from ._writer import SQLWriter

__all__ = [
    "CompoundSelect",
    "Selectable",
    "check_count",
    "column_items",
    "keys_params",
    "names_of",
    "order_items",
    "render_tail",
]


def column_items(items: tuple[object, ...], where: str) -> tuple[ColumnElement, ...]:
    out: list[ColumnElement] = []
    for item in items:
        if isinstance(item, ColumnElement):
            out.append(item)
        elif isinstance(item, FromClause):
            out.extend(item._star_columns())
        elif isinstance(item, SelectBase):
            out.append(ScalarSelect(item))
        elif isinstance(item, str):
            raise TypeError(
                f"{where} got the str {item!r}: use column({item!r}) for a column, or "
                "text(...) for SQL"
            )
        else:
            raise TypeError(
                f"{where} takes columns, tables or expressions, got {type(item).__name__} "
                f"{item!r}: use literal({item!r}) for a value"
            )
    return tuple(out)


def order_items(items: tuple[object, ...], where: str) -> tuple[ClauseElement, ...]:
    out: list[ClauseElement] = []
    for item in items:
        if isinstance(item, OrderItem | ColumnElement):
            out.append(item)
        elif isinstance(item, str):
            raise TypeError(f"{where} got the str {item!r}: use column({item!r}) or a table column")
        else:
            raise TypeError(f"{where} takes columns or expressions, got {item!r}")
    return tuple(out)


def keys_params(items: tuple[ClauseElement, ...]) -> tuple[tuple[Hashable, ...], tuple[Any, ...]]:
    params: tuple[Any, ...] = ()
    keys = []
    for item in items:
        keys.append(item._key)
        if item._params:
            params += item._params
    return tuple(keys), params


def check_count(value: object, where: str) -> int | None:
    if value is None:
        return None
    if type(value) is not int or value < 0:
        raise CompileError(f"{where} takes an int >= 0 (or None), got {value!r}")
    return value


def names_of(columns: tuple[ColumnElement, ...]) -> list[str] | None:
    names: list[str] = []
    for col in columns:
        if isinstance(col, Column | Label):
            names.append(col.name)
        else:
            return None
    return names


class Selectable(SelectBase, Statement):
    """What every SELECT can become: a subquery, a CTE, a scalar, EXISTS, a UNION."""

    __slots__ = ()

    def _is_read(self) -> bool:
        return True

    def subquery(self, name: str) -> Subquery:
        """This select in a FROM: ``(SELECT ...) AS "name"``; columns via ``.c``."""
        return Subquery(self, name)

    def alias(self, name: str) -> Subquery:
        """Same as ``subquery(name)``."""
        return Subquery(self, name)

    def cte(self, name: str, *, recursive: bool = False) -> CTE:
        """This select as a CTE named ``name``; declare it with ``stmt.with_(cte)``."""
        return CTE(self, name, recursive)

    def scalar_subquery(self) -> ColumnElement:
        """``(SELECT ...)`` as a value (one row, one column)."""
        return ScalarSelect(self)

    def label(self, name: str) -> Label:
        """``(SELECT ...) AS "name"`` in a select list."""
        return Label(ScalarSelect(self), name)

    def exists(self) -> ColumnElement:
        """``EXISTS (SELECT ...)``."""
        return Exists(self)

    def union(self, other: SelectBase) -> CompoundSelect:
        """``this UNION other`` (duplicates removed)."""
        return CompoundSelect("UNION", (self, other))

    def union_all(self, other: SelectBase) -> CompoundSelect:
        """``this UNION ALL other``."""
        return CompoundSelect("UNION ALL", (self, other))

    def intersect(self, other: SelectBase) -> CompoundSelect:
        """``this INTERSECT other``."""
        return CompoundSelect("INTERSECT", (self, other))

    def except_(self, other: SelectBase) -> CompoundSelect:
        """``this EXCEPT other``."""
        return CompoundSelect("EXCEPT", (self, other))


def render_tail(
    w: SQLWriter, order: tuple[ClauseElement, ...], limit: int | None, offset: int | None
) -> None:
    if order:
        w.write(" ORDER BY ")
        for i, item in enumerate(order):
            if i:
                w.write(", ")
            if type(item) is Label:
                w.ident(item.name)
            else:
                w.sub(item, P_NOT)
    if limit is not None:
        w.write(" LIMIT ")
        w.bind(limit)
    if offset is not None:
        if limit is None and not w.pg:
            w.write(" LIMIT -1")  # SQLite has no OFFSET without LIMIT
        w.write(" OFFSET ")
        w.bind(offset)


class CompoundSelect(Selectable):
    """``a UNION b``, ``UNION ALL``, ``INTERSECT``, ``EXCEPT``, with ORDER BY and LIMIT."""

    __slots__ = ("_limit", "_memo", "_offset", "_order", "op", "selects")

    op: str
    selects: tuple[SelectBase, ...]

    def __init__(
        self,
        op: str,
        selects: tuple[SelectBase, ...],
        order: tuple[ClauseElement, ...] = (),
        limit: int | None = None,
        offset: int | None = None,
    ) -> None:
        flat: list[SelectBase] = []
        for item in selects:
            if not isinstance(item, SelectBase):
                raise TypeError(f"{op.lower()}() takes selects, got {item!r}")
            if type(item) is CompoundSelect and item.op == op and not item._has_tail():
                flat.extend(item.selects)
            else:
                flat.append(item)
        self.op = op
        self.selects = tuple(flat)
        self._order = order
        self._limit = limit
        self._offset = offset
        self._memo: tuple[Hashable, tuple[Any, ...]] | None = None

    def _has_tail(self) -> bool:
        return bool(self._order) or self._limit is not None or self._offset is not None

    def _with(self, **changes: Any) -> CompoundSelect:
        state: dict[str, Any] = {"order": self._order, "limit": self._limit, "offset": self._offset}
        state.update(changes)
        return CompoundSelect(self.op, self.selects, **state)

    def order_by(self, *items: ColumnElement | OrderItem) -> CompoundSelect:
        """``ORDER BY`` for the combined rows (use column()s or labels of the first select)."""
        return self._with(order=self._order + order_items(items, "order_by()"))

    def limit(self, count: int | None) -> CompoundSelect:
        """``LIMIT count`` for the combined rows."""
        return self._with(limit=check_count(count, "limit()"))

    def offset(self, count: int | None) -> CompoundSelect:
        """``OFFSET count`` for the combined rows."""
        return self._with(offset=check_count(count, "offset()"))

    def _column_names(self) -> list[str] | None:
        return self.selects[0]._column_names()

    def _is_read(self) -> bool:
        return all(s._is_read() for s in self.selects)

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        memo = self._memo
        if memo is None:
            keys: list[Hashable] = []
            params: tuple[Any, ...] = ()
            for item in self.selects:
                k, p = item._shape()
                keys.append(k)
                params += p
            order_key, p = keys_params(self._order)
            params += p
            if self._limit is not None:
                params += (self._limit,)
            if self._offset is not None:
                params += (self._offset,)
            key = (
                self.op,
                tuple(keys),
                order_key,
                self._limit is not None,
                self._offset is not None,
            )
            memo = self._memo = (key, params)
        return memo

    def _render_stmt(self, w: SQLWriter) -> None:
        for i, item in enumerate(self.selects):
            if i:
                w.write(f" {self.op} ")
            if isinstance(item, CompoundSelect) or item._has_tail():
                if not w.pg:
                    raise CompileError(
                        "SQLite cannot nest a UNION member that has its own ORDER BY, LIMIT "
                        "or set operation; wrap it: select().select_from(member.subquery('s'))"
                    )
                item._render(w)
            else:
                item._render_stmt(w)
        render_tail(w, self._order, self._limit, self._offset)

    def __repr__(self) -> str:
        return f"<CompoundSelect {self}>"
