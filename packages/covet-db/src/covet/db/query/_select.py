"""SELECT: ``select(...)`` and its chainable, immutable builder methods.

Every method returns a new statement and leaves the old one as it was. The parts are
kept with their shape keys and parameters already computed, so a statement's shape is a
few tuple concatenations, done once per statement object.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from ..errors import CompileError
from ._base import P_NOT, ClauseElement, SelectBase
from ._elements import (
    BoolList,
    ColumnElement,
    Label,
    OrderItem,
    coerce_condition,
)
from ._from import JOIN_SQL, Column, FromClause, Join, JoinKind
from ._keyset import keyset_condition
from ._selectable import (
    Selectable,
    check_count,
    column_items,
    keys_params,
    names_of,
    order_items,
    render_tail,
)
from ._subquery import CTE
from ._text import TextClause, TextFrom
from ._writer import SQLWriter

__all__ = ["Select", "select"]

_new = object.__new__


class Select(Selectable):
    """A SELECT statement; build it with ``select(...)`` and its chainable methods."""

    # No __slots__: every builder method copies the state, and a __dict__ copies in one
    # C call.
    _cols: tuple[ColumnElement, ...]
    _cols_kp: tuple[tuple[Hashable, ...], tuple[Any, ...]]
    _ctes: tuple[CTE, ...]
    _distinct: bool | tuple[ColumnElement, ...]
    _froms: tuple[FromClause, ...]
    _group: tuple[ColumnElement, ...]
    _having: ColumnElement | None
    _infer: tuple[FromClause, ...]
    _joins: tuple[tuple[str, FromClause, ColumnElement | None], ...]
    _join_keys: tuple[Hashable, ...]
    _join_params: tuple[Any, ...]
    _limit: int | None
    _lock: tuple[str, tuple[FromClause, ...], str] | None
    _memo: tuple[Hashable, tuple[Any, ...], tuple[FromClause, ...], int] | None
    _offset: int | None
    _order: tuple[ClauseElement, ...]
    _where: ColumnElement | None

    def _copy(self) -> Select:
        new: Select = _new(Select)
        state = new.__dict__
        state.update(self.__dict__)
        state["_memo"] = None
        return new

    def _set_columns(self, cols: tuple[ColumnElement, ...]) -> None:
        self._cols = cols
        self._cols_kp = keys_params(cols)
        infer: dict[Hashable, FromClause] = {}
        for col in cols:
            if type(col) is Column:
                table = col.table
                if table is not None and table._inferable and table._key not in infer:
                    infer[table._key] = table
            else:
                for table in col._from_objs():
                    infer.setdefault(table._key, table)
        self._infer = tuple(infer.values())

    # -- columns and FROM -------------------------------------------------------------
    def add_columns(self, *columns: object) -> Select:
        """More columns in the select list."""
        new = self._copy()
        new._set_columns(self._cols + column_items(columns, "add_columns()"))
        return new

    def with_only_columns(self, *columns: object) -> Select:
        """The same statement selecting only ``columns``."""
        new = self._copy()
        new._set_columns(column_items(columns, "with_only_columns()"))
        return new

    def select_from(self, *froms: FromClause | TextClause) -> Select:
        """Add FROM items (without it, FROM is taken from the selected columns)."""
        items: list[FromClause] = []
        for given in froms:
            item: object = given
            if isinstance(item, TextClause):
                items.append(TextFrom(item))
            elif isinstance(item, FromClause):
                items.append(item)
            else:
                hint = " (use .subquery(name))" if isinstance(item, SelectBase) else ""
                raise TypeError(
                    f"select_from() takes tables, joins or subqueries{hint}, got {item!r}"
                )
        new = self._copy()
        new._froms = self._froms + tuple(items)
        return new

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
        new = self._copy()
        new._joins = (*self._joins, (kind, target, on))
        if on is None:
            new._join_keys = (*self._join_keys, (kind, target._key, None))
            new._join_params = self._join_params + target._params
        else:
            new._join_keys = (*self._join_keys, (kind, target._key, on._key))
            new._join_params = self._join_params + target._params + on._params
        return new

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
        items = [
            c if isinstance(c, ColumnElement) else coerce_condition(c, "where()")
            for c in conditions
        ]
        if not items:
            return self
        if self._where is not None:
            items.insert(0, self._where)
        new = self._copy()
        new._where = items[0] if len(items) == 1 else BoolList("AND", tuple(items))
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
        new = self._copy()
        new._group = self._group + column_items(columns, "group_by()")
        return new

    def having(self, *conditions: object) -> Select:
        """``HAVING conditions``, joined with AND."""
        items = [coerce_condition(c, "having()") for c in conditions]
        if self._having is not None:
            items.insert(0, self._having)
        if not items:
            return self
        new = self._copy()
        new._having = items[0] if len(items) == 1 else BoolList("AND", tuple(items))
        return new

    def order_by(self, *items: ColumnElement | OrderItem | None) -> Select:
        """``ORDER BY items`` (added to any already there); ``order_by(None)`` clears it."""
        new = self._copy()
        if len(items) == 1 and items[0] is None:
            new._order = ()
        else:
            new._order = self._order + order_items(items, "order_by()")
        return new

    def limit(self, count: int | None) -> Select:
        """``LIMIT count`` (a bound parameter); ``None`` removes it."""
        if type(count) is not int or count < 0:
            check_count(count, "limit()")
        new = self._copy()
        new._limit = count
        return new

    def offset(self, count: int | None) -> Select:
        """``OFFSET count`` (a bound parameter); ``None`` removes it."""
        new = self._copy()
        new._offset = check_count(count, "offset()")
        return new

    def distinct(self, *on: ColumnElement) -> Select:
        """``SELECT DISTINCT``; with columns, ``DISTINCT ON (columns)`` (PostgreSQL)."""
        new = self._copy()
        new._distinct = column_items(on, "distinct()") if on else True
        return new

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
        new = self._copy()
        new._ctes = self._ctes + ctes
        return new

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
        new = self._copy()
        new._lock = (mode, tables, wait)
        return new

    def _has_tail(self) -> bool:
        return bool(self._order) or self._limit is not None or self._offset is not None

    def _is_read(self) -> bool:
        return self._lock is None and all(cte.body._is_read() for cte in self._ctes)

    # -- compilation ------------------------------------------------------------------
    def _column_names(self) -> list[str] | None:
        return names_of(self._cols)

    def _from_list(self) -> tuple[tuple[FromClause, ...], int]:
        """The FROM items (given ones, then those the columns need), and the index of
        the one the joins attach to (-1 without joins)."""
        froms = self._froms
        joins = self._joins
        infer = self._infer
        if not joins and not froms:
            return infer, -1
        covered: set[Hashable] = set()
        for item in froms:
            covered.update(item._covers())
        for _, target, _ in joins:
            covered.update(target._covers())
        inferred = tuple([table for table in infer if table._key not in covered])
        if not joins:
            return froms + inferred, -1
        if froms:
            return froms + inferred, len(froms) - 1
        if inferred:
            return inferred, 0
        raise CompileError("join() needs something to join to: add select_from(table)")

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        memo = self._memo
        if memo is None:
            memo = self._memo = self._compute_shape()
        return memo[0], memo[1]

    def _compute_shape(self) -> tuple[Hashable, tuple[Any, ...], tuple[FromClause, ...], int]:
        params: tuple[Any, ...] = ()
        cte_key: Hashable = None
        if self._ctes:
            keys = []
            for cte in self._ctes:
                k, p = cte._definition()
                keys.append(k)
                params += p
            cte_key = tuple(keys)
        distinct: Hashable = self._distinct
        if type(distinct) is tuple:
            distinct, p = keys_params(distinct)
            params += p
        col_key, p = self._cols_kp
        if p:
            params += p
        froms, anchor = self._from_list()
        if anchor < 0:
            from_key, p = keys_params(froms)
            if p:
                params += p
        else:
            # Joins render right after the FROM item they attach to.
            before, p = keys_params(froms[: anchor + 1])
            if p:
                params += p
            params += self._join_params
            after, p = keys_params(froms[anchor + 1 :])
            if p:
                params += p
            from_key = (before, self._join_keys, after)
        where = self._where
        where_key: Hashable = None
        if where is not None:
            where_key = where._key
            params += where._params
        group_key: Hashable = None
        if self._group:
            group_key, p = keys_params(self._group)
            params += p
        having = self._having
        having_key: Hashable = None
        if having is not None:
            having_key = having._key
            params += having._params
        order_key: Hashable = None
        if self._order:
            order_key, p = keys_params(self._order)
            if p:
                params += p
        limit = self._limit
        if limit is not None:
            params += (limit,)
        offset = self._offset
        if offset is not None:
            params += (offset,)
        lock = self._lock
        key = (
            "select",
            cte_key,
            distinct,
            col_key,
            from_key,
            where_key,
            group_key,
            having_key,
            order_key,
            limit is not None,
            offset is not None,
            None if lock is None else (lock[0], tuple(t._qual_key() for t in lock[1]), lock[2]),
        )
        return key, params, froms, anchor

    def _render_stmt(self, w: SQLWriter) -> None:
        self._shape()
        assert self._memo is not None
        froms, anchor = self._memo[2], self._memo[3]
        if self._ctes:
            recursive = any(cte.recursive for cte in self._ctes)
            w.write("WITH RECURSIVE " if recursive else "WITH ")
            w.ctes.update(cte.name for cte in self._ctes)
            for i, cte in enumerate(self._ctes):
                if i:
                    w.write(", ")
                cte._render_definition(w)
            w.write(" ")
        w.write("SELECT ")
        distinct = self._distinct
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
        if self._where is not None:
            w.write(" WHERE ")
            self._where._render(w)
        if self._group:
            w.write(" GROUP BY ")
            for i, item in enumerate(self._group):
                if i:
                    w.write(", ")
                if type(item) is Label:
                    w.ident(item.name)
                else:
                    w.sub(item, P_NOT)
        if self._having is not None:
            w.write(" HAVING ")
            self._having._render(w)
        render_tail(w, self._order, self._limit, self._offset)
        lock = self._lock
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


_PROTOTYPE: Select = _new(Select)
_PROTOTYPE.__dict__.update(
    _cols=(),
    _cols_kp=((), ()),
    _ctes=(),
    _distinct=False,
    _froms=(),
    _group=(),
    _having=None,
    _infer=(),
    _joins=(),
    _join_keys=(),
    _join_params=(),
    _limit=None,
    _lock=None,
    _memo=None,
    _offset=None,
    _order=(),
    _where=None,
)


def select(*columns: object) -> Select:
    """``SELECT columns``: columns, expressions, or tables (all their columns).

    Needs nothing to start: ``select().select_from(users)`` is ``SELECT * FROM users``.
    FROM is taken from the columns unless ``select_from`` says otherwise.
    """
    new: Select = _new(Select)
    new.__dict__.update(_PROTOTYPE.__dict__)
    if columns:
        new._set_columns(column_items(columns, "select()"))
    return new
