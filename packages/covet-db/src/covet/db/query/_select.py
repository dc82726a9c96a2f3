"""SELECT: ``select(...)`` and its chainable, immutable builder methods.

Every method returns a new statement and leaves the old one as it was. Building does
the least it can (type checks and one copy of the state); the shape key and parameters
are gathered in one pass when the statement is compiled, and FROM inference and its
checks run only when a shape is compiled for the first time (see ``_cache_shape``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace
from typing import Any

from ..errors import CompileError
from ._base import P_NOT, ClauseElement, SelectBase
from ._elements import (
    BoolList,
    ColumnElement,
    Label,
    OrderItem,
    coerce_condition,
    where_items,
)
from ._from import JOIN_SQL, Column, FromClause, Join, JoinKind
from ._keyset import keyset_condition
from ._schema import Table
from ._select_key import LIMIT, PLAIN, Head, RareParts, all_plain, shape_key
from ._selectable import (
    Selectable,
    check_count,
    column_items,
    names_of,
    order_items,
    render_tail,
)
from ._subquery import CTE
from ._text import TextClause, TextFrom
from ._writer import SQLWriter

__all__ = ["Select", "select"]


class Select(Selectable):
    """A SELECT statement; build it with ``select(...)`` and its chainable methods."""

    # Slots, not a __dict__: every builder method copies the state, and copying a few
    # slots is cheaper than a dict update (measured on CPython 3.11). What a select reads
    # and returns lives in one shared Head, so a copy carries four values.
    __slots__ = ("_head", "_limit", "_memo", "_order", "_where")

    _head: Head
    _where: tuple[ColumnElement, ...]  # ANDed; AND lists flattened in
    _order: tuple[ClauseElement, ...]
    _limit: int | None
    # The shape before FROM inference (see _cache_shape); not copied.
    _memo: tuple[Hashable, tuple[Any, ...]] | None

    def _copy(self) -> Select:
        new = Select()  # no __init__: the slots are filled here
        new._head = self._head
        new._where = self._where
        new._order = self._order
        new._limit = self._limit
        new._memo = None
        return new

    def _with_head(self, head: Head) -> Select:
        new = Select()
        new._head = head
        new._where = self._where
        new._order = self._order
        new._limit = self._limit
        new._memo = None
        return new

    def _with_more(self, **changes: Any) -> Select:
        h = self._head
        return self._with_head(Head(h.cols, h.froms, h.joins, replace(h.more, **changes)))

    def _derived(
        self,
        key: Hashable,
        froms: tuple[FromClause, ...],
        joins: tuple[tuple[str, FromClause, ColumnElement | None], ...],
    ) -> Select:
        """This select with other FROM items or joins; remembered on the head (under
        ``key``) while the select is made of nothing but its head and the new parts
        have no parameters, so a select built the same way on every call
        (``select(a.c.x, b.c.y).select_from(a.join(b, ...))``) is built once."""
        head = self._head
        if self._where or self._order or self._limit is not None:
            return self._with_head(Head(head.cols, froms, joins, head.more))
        memo = head.derived
        if memo is None:
            memo = head.derived = {}
        else:
            found = memo.get(key)
            if found is not None:
                return found  # type: ignore[no-any-return]
        new = self._with_head(Head(head.cols, froms, joins, head.more))
        if head.more is PLAIN and all_plain(froms, joins):
            if len(memo) >= _DERIVED_SIZE:
                memo.clear()
            memo[key] = new
        return new

    @property
    def _cols(self) -> tuple[ColumnElement, ...]:
        return self._head.cols

    @property
    def _froms(self) -> tuple[FromClause, ...]:
        return self._head.froms

    @property
    def _joins(self) -> tuple[tuple[str, FromClause, ColumnElement | None], ...]:
        return self._head.joins

    @property
    def _more(self) -> RareParts:
        return self._head.more

    # -- columns and FROM -------------------------------------------------------------
    def add_columns(self, *columns: object) -> Select:
        """More columns in the select list."""
        h = self._head
        cols = h.cols + column_items(columns, "add_columns()")
        return self._with_head(Head(cols, h.froms, h.joins, h.more))

    def with_only_columns(self, *columns: object) -> Select:
        """The same statement selecting only ``columns``."""
        h = self._head
        cols = column_items(columns, "with_only_columns()")
        return self._with_head(Head(cols, h.froms, h.joins, h.more))

    def select_from(self, *froms: FromClause | TextClause) -> Select:
        """Add FROM items (without it, FROM is taken from the selected columns)."""
        items: tuple[object, ...] = froms
        for item in items:
            if not isinstance(item, FromClause):
                items = _from_items(froms)
                break
        memo = self._head.derived
        if memo is not None and not self._where:
            found = memo.get(items)
            if found is not None and not self._order and self._limit is None:
                return found  # type: ignore[no-any-return]
        h = self._head
        return self._derived(items, h.froms + items, h.joins)  # type: ignore[operator]

    def join(
        self, target: FromClause, on: ColumnElement | None = None, *, kind: JoinKind = "inner"
    ) -> Select:
        """``JOIN target ON on`` onto the FROM (``kind``: inner, left, right, full, cross)."""
        given: object = target
        if not isinstance(given, FromClause):
            hint = " (use .subquery(name))" if isinstance(given, SelectBase) else ""
            raise TypeError(f"join() takes a table, alias, subquery or CTE{hint}, got {given!r}")
        if kind == "cross":
            if on is not None:
                raise CompileError("a CROSS JOIN takes no ON condition")
        elif on is None:
            raise CompileError(
                f"join({target!r}) needs an ON condition, for example "
                "join(orders, orders.c.user_id == users.c.id); use cross_join() for none"
            )
        else:
            on = coerce_condition(on, "join(on=...)")
        h = self._head
        joined = (kind, target, on)  # never equal to a tuple of FROM items (select_from)
        return self._derived(joined, h.froms, (*h.joins, joined))

    def left_join(self, target: FromClause, on: ColumnElement) -> Select:
        """``LEFT JOIN target ON on``."""
        return self.join(target, on, kind="left")

    def right_join(self, target: FromClause, on: ColumnElement) -> Select:
        """``RIGHT JOIN target ON on`` (SQLite 3.39+)."""
        return self.join(target, on, kind="right")

    def full_join(self, target: FromClause, on: ColumnElement) -> Select:
        """``FULL JOIN target ON on`` (SQLite 3.39+)."""
        return self.join(target, on, kind="full")

    def cross_join(self, target: FromClause) -> Select:
        """``CROSS JOIN target``."""
        return self.join(target, None, kind="cross")

    # -- filtering, grouping, ordering ------------------------------------------------
    def where(self, *conditions: object) -> Select:
        """Add conditions, joined with AND to any already there."""
        for cond in conditions:
            if type(cond) is BoolList or not isinstance(cond, ColumnElement):
                conditions = where_items(conditions, "where()")
                if not conditions:
                    return self
                break
        if not conditions:
            return self
        new = Select()  # as _copy() does, without the call
        new._head = self._head
        new._where = self._where + conditions  # type: ignore[operator]
        new._order = self._order
        new._limit = self._limit
        new._memo = None
        return new

    def filter_by(self, **equals: object) -> Select:
        """``where(t.c.k == v, ...)`` for the columns of the first FROM table."""
        froms = self._froms or self._from_list()[0]
        target = froms[0] if froms else None
        while isinstance(target, Join):
            target = target.left
        columns = getattr(target, "c", None)
        if columns is None:
            raise CompileError("filter_by() needs a table in FROM to take the columns from")
        return self.where(*(columns[name] == value for name, value in equals.items()))

    def group_by(self, *columns: ColumnElement) -> Select:
        """``GROUP BY columns`` (added to any already there)."""
        return self._with_more(group=self._more.group + column_items(columns, "group_by()"))

    def having(self, *conditions: object) -> Select:
        """``HAVING conditions``, joined with AND."""
        items = [coerce_condition(c, "having()") for c in conditions]
        if self._more.having is not None:
            items.insert(0, self._more.having)
        if not items:
            return self
        return self._with_more(
            having=items[0] if len(items) == 1 else BoolList("AND", tuple(items))
        )

    def order_by(self, *items: ColumnElement | OrderItem | None) -> Select:
        """``ORDER BY items`` (added to any already there); ``order_by(None)`` clears it."""
        new = Select()  # as _copy() does, without the call
        new._head = self._head
        new._where = self._where
        new._limit = self._limit
        new._memo = None
        for item in items:
            if not isinstance(item, _ORDERABLE):
                if len(items) == 1 and item is None:
                    new._order = ()
                    return new
                new._order = self._order + order_items(items, "order_by()")
                return new
        new._order = self._order + items  # type: ignore[operator]
        return new

    def limit(self, count: int | None) -> Select:
        """``LIMIT count`` (a bound parameter); ``None`` removes it."""
        if type(count) is not int or count < 0:
            check_count(count, "limit()")
        new = Select()  # as _copy() does, without the call
        new._head = self._head
        new._where = self._where
        new._order = self._order
        new._limit = count
        new._memo = None
        return new

    def offset(self, count: int | None) -> Select:
        """``OFFSET count`` (a bound parameter); ``None`` removes it."""
        return self._with_more(offset=check_count(count, "offset()"))

    def distinct(self, *on: ColumnElement) -> Select:
        """``SELECT DISTINCT``; with columns, ``DISTINCT ON (columns)`` (PostgreSQL)."""
        return self._with_more(distinct=column_items(on, "distinct()") if on else True)

    def after(self, values: Sequence[Any]) -> Select:
        """Keyset pagination: only rows after ``values`` (the last row's order_by values).

        Call it after ``order_by``; the last order column should be unique (an id).
        """
        return self.where(keyset_condition(self._order, values, True))

    def before(self, values: Sequence[Any]) -> Select:
        """Keyset pagination: only rows before ``values`` in the order_by order."""
        return self.where(keyset_condition(self._order, values, False))

    def with_(self, *ctes: CTE) -> Select:
        """Declare CTEs: ``WITH name AS (...) SELECT ...``."""
        for cte in ctes:
            if not isinstance(cte, CTE):
                raise TypeError(f"with_() takes CTEs (select(...).cte(name)), got {cte!r}")
        return self._with_more(ctes=self._more.ctes + ctes)

    def for_update(
        self,
        *,
        nowait: bool = False,
        skip_locked: bool = False,
        of: FromClause | Sequence[FromClause] | None = None,
        read: bool = False,
        key_share: bool = False,
    ) -> Select:
        """Lock the selected rows: ``FOR UPDATE [OF t] [NOWAIT | SKIP LOCKED]``.

        ``read=True`` is FOR SHARE; ``key_share=True`` FOR NO KEY UPDATE (or FOR KEY
        SHARE with ``read``). PostgreSQL only: SQLite locks the whole database on write,
        so the clause is left out there.
        """
        if nowait and skip_locked:
            raise CompileError("for_update() takes nowait or skip_locked, not both")
        if read:
            mode = "KEY SHARE" if key_share else "SHARE"
        else:
            mode = "NO KEY UPDATE" if key_share else "UPDATE"
        tables: tuple[FromClause, ...] = (
            () if of is None else (of,) if isinstance(of, FromClause) else tuple(of)
        )
        wait = " NOWAIT" if nowait else " SKIP LOCKED" if skip_locked else ""
        return self._with_more(lock=(mode, tables, wait))

    def _has_tail(self) -> bool:
        return bool(self._order) or self._limit is not None or self._more.offset is not None

    def _is_read(self) -> bool:
        more = self._more
        return more.lock is None and all(cte.body._is_read() for cte in more.ctes)

    # -- compilation ------------------------------------------------------------------
    def _column_names(self) -> list[str] | None:
        return names_of(self._cols)

    def _inferred_from(self) -> tuple[FromClause, ...]:
        """The FROM items the selected columns come from, once each, in column order."""
        found: dict[Hashable, FromClause] = {}
        for col in self._cols:
            if type(col) is Column:
                table = col.table
                if table is not None and table._inferable and table._key not in found:
                    found[table._key] = table
            else:
                for table in col._from_objs():
                    found.setdefault(table._key, table)
        return tuple(found.values())

    def _from_list(self) -> tuple[tuple[FromClause, ...], int, bool]:
        """The FROM items (given ones, then those the columns need), the index of the
        one the joins attach to (-1 without joins), and whether the inferred items
        follow from the shape of the given parts alone (see ``_cache_shape``)."""
        froms = self._froms
        joins = self._joins
        infer = self._inferred_from()
        # A table, alias or CTE is named in full by its columns' keys and has no
        # parameters; a subquery's columns name only the subquery.
        determined = all(t._qual_key() == t._key and not t._params for t in infer)
        if not joins and not froms:
            return infer, -1, determined
        covered: set[Hashable] = set()
        for item in froms:
            covered.update(item._covers())
        for _, target, _ in joins:
            covered.update(target._covers())
        inferred = tuple([table for table in infer if table._key not in covered])
        if not joins:
            return froms + inferred, -1, determined
        if froms:
            return froms + inferred, len(froms) - 1, determined
        if inferred:
            return inferred, 0, determined
        raise CompileError("join() needs something to join to: add select_from(table)")

    def _cache_shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        """The shape of the given parts, FROM inference left out: the per-call path.

        It is the statement's shape (``_shape``) whenever the inferred FROM items
        follow from the columns' keys and have no parameters, which the first
        compilation of a shape works out; the cache holds a key only then, so a hit
        needs no inference and no check. The head's part is worked out once per head
        (``Head.shape``); the rest, the parts that carry a call's values, here.
        """
        memo = self._memo
        if memo is None:
            head = self._head
            token = head.token
            if token is None:
                token = head.shape()
            where = self._where
            key: list[Hashable] = [token, len(where)]
            params = head.pre
            for cond in where:
                key.append(cond._key)
                if cond._params:
                    params += cond._params
            if head.mid:
                params += head.mid
            for part in self._order:
                key.append(part._key)
                if part._params:
                    params += part._params
            limit = self._limit
            if limit is not None:
                key.append(LIMIT)
                params += (limit,)
            offset = head.more.offset
            if offset is not None:
                params += (offset,)
            memo = self._memo = (tuple(key), params)
        return memo

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        full = self._resolved()
        return full[0], full[1]

    def _resolved(self) -> tuple[Hashable, tuple[Any, ...], tuple[FromClause, ...], int]:
        """The full shape, the FROM list and the joins' anchor in it (worked out when a
        shape is compiled for the first time, or the statement is nested: not kept)."""
        froms, anchor, determined = self._from_list()
        if determined:
            key, params = self._cache_shape()
        else:
            # The inferred items' keys and parameters are part of the shape; the
            # other tag keeps it apart from every shape of given parts alone.
            key, params = shape_key(
                "select*",
                self._more,
                self._cols,
                froms,
                anchor,
                self._joins,
                self._where,
                self._order,
                self._limit,
            )
        return key, params, froms, anchor

    def _render_stmt(self, w: SQLWriter) -> None:
        _, _, froms, anchor = self._resolved()
        more = self._more
        if more.ctes:
            recursive = any(cte.recursive for cte in more.ctes)
            w.write("WITH RECURSIVE " if recursive else "WITH ")
            w.ctes.update(cte.name for cte in more.ctes)
            for i, cte in enumerate(more.ctes):
                if i:
                    w.write(", ")
                cte._render_definition(w)
            w.write(" ")
        w.write("SELECT ")
        distinct = more.distinct
        if distinct is True:
            w.write("DISTINCT ")
        elif type(distinct) is tuple:
            if not w.pg:
                raise CompileError("DISTINCT ON (...) is PostgreSQL-only; use GROUP BY on SQLite")
            w.write("DISTINCT ON (")
            w.join(distinct)
            w.write(") ")
        if self._cols:
            for i, col in enumerate(self._cols):
                if i:
                    w.write(", ")
                if type(col) is Label:
                    col.element._render(w)
                    w.write(" AS ")
                    w.ident(col.name)
                else:
                    col._render(w)
        else:
            w.write("*")
        if froms:
            w.write(" FROM ")
            for i, from_item in enumerate(froms):
                if i:
                    w.write(", ")
                from_item._render(w)
                if i == anchor:
                    for kind, target, on in self._joins:
                        w.write(f" {JOIN_SQL[kind]} ")
                        target._render(w)
                        if on is not None:
                            w.write(" ON ")
                            on._render(w)
        where = self._where
        if where:
            w.write(" WHERE ")
            if len(where) == 1:
                where[0]._render(w)
            else:
                w.join(where, " AND ", P_NOT)
        if more.group:
            w.write(" GROUP BY ")
            for i, item in enumerate(more.group):
                if i:
                    w.write(", ")
                if type(item) is Label:
                    w.ident(item.name)
                else:
                    w.sub(item, P_NOT)
        if more.having is not None:
            w.write(" HAVING ")
            more.having._render(w)
        render_tail(w, self._order, self._limit, more.offset)
        lock = more.lock
        if lock is not None and w.pg:
            w.write(f" FOR {lock[0]}")
            if lock[1]:
                w.write(" OF ")
                for i, table in enumerate(lock[1]):
                    if i:
                        w.write(", ")
                    table._render_qualifier(w)
            w.write(lock[2])

    def __repr__(self) -> str:
        return f"<Select {self}>"


# ``select()`` with no arguments: every select starts as a copy of it.
_EMPTY = Select()
_EMPTY._head = Head((), (), (), PLAIN)
_EMPTY._where = _EMPTY._order = ()
_EMPTY._limit = _EMPTY._memo = None
_ORDERABLE = (OrderItem, ColumnElement)
# select(columns) and select(table) of plain columns, which most queries start with: a
# select is immutable, so the same columns give the same select, built once.
_SELECTS: dict[tuple[object, ...], Select] = {}
_SELECTS_SIZE = 512
_DERIVED_SIZE = 32


def select(*columns: object) -> Select:
    """``SELECT columns``: columns, expressions, or tables (all their columns).

    Needs nothing to start: ``select().select_from(users)`` is ``SELECT * FROM users``.
    FROM is taken from the columns unless ``select_from`` says otherwise.
    """
    try:
        found = _SELECTS.get(columns)
    except TypeError:  # something unhashable, which column_items refuses below
        found = None
    if found is not None:
        return found
    if not columns:
        return _EMPTY
    cols: tuple[object, ...] | None = columns
    for col in columns:
        if type(col) is not Column:
            # select(table): its columns, listed once when the table was made.
            cols = col._stars if type(col) is Table and len(columns) == 1 else None
            if cols is None:
                return _EMPTY._with_head(Head(column_items(columns, "select()"), (), (), PLAIN))
            break
    new = _EMPTY._with_head(Head(cols, (), (), PLAIN))  # type: ignore[arg-type]
    if len(_SELECTS) >= _SELECTS_SIZE:
        _SELECTS.clear()
    _SELECTS[columns] = new
    return new


def _from_items(froms: tuple[object, ...]) -> tuple[FromClause, ...]:
    items: list[FromClause] = []
    for item in froms:
        if isinstance(item, TextClause):
            items.append(TextFrom(item))
        elif isinstance(item, FromClause):
            items.append(item)
        else:
            hint = " (use .subquery(name))" if isinstance(item, SelectBase) else ""
            raise TypeError(f"select_from() takes tables, joins or subqueries{hint}, got {item!r}")
    return tuple(items)
