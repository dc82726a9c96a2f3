"""UPDATE (with FROM) and DELETE (with USING), with RETURNING.

As for SELECT, building only checks its input and copies a few slots; the shape key
and parameters are gathered once, when the statement is compiled.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from ..errors import CompileError
from ._base import ClauseElement, Marker
from ._dml_base import (
    FROM,
    RETURNING,
    SET,
    TARGETS,
    WHERE,
    add_items,
    checked_values,
    render_returning,
    render_set,
    render_where,
    returning_items,
    target,
)
from ._elements import ColumnElement, where_items
from ._from import FromClause
from ._schema import Table, TableAlias
from ._statement import Statement
from ._writer import SQLWriter

__all__ = ["Delete", "Update", "delete", "update"]

_UPDATE = Marker("UPDATE")
_DELETE = Marker("DELETE")


class Update(Statement):
    """``UPDATE table SET ... [FROM ...] WHERE ... [RETURNING ...]``."""

    # Slots filled by ``_copy`` (no __init__): see ``Select``.
    __slots__ = ("_exprs", "_froms", "_memo", "_returning", "_set", "_where", "table")

    table: Table | TableAlias
    # Column name to a plain value or an expression (see _dml_base); never changed
    # once built, so copies share it.
    _set: dict[str, Any]
    _exprs: bool  # False: every SET value is a plain value
    _where: tuple[ColumnElement, ...]  # ANDed; AND lists flattened in
    _froms: tuple[FromClause, ...]
    _returning: tuple[ColumnElement, ...]
    _memo: tuple[Hashable, tuple[Any, ...]] | None

    def _copy(self) -> Update:
        new = Update()
        new.table = self.table
        new._set = self._set
        new._exprs = self._exprs
        new._where = self._where
        new._froms = self._froms
        new._returning = self._returning
        new._memo = None
        return new

    def values(self, values: Mapping[Any, Any] | None = None, /, **columns: Any) -> Update:
        """What to set: ``values(name="x", n=t.c.n + 1)`` or ``values({"name": "x"})``."""
        if values is None and not self._set:
            # The common call, values(a=1, b=t.c.b + 1) once, without a function call
            # per check; anything unusual takes the general path below.
            known = self.table._known
            if known is None or known.issuperset(columns):
                exprs: bool | None = False
                for value in columns.values():
                    if isinstance(value, ClauseElement):
                        if not isinstance(value, ColumnElement):
                            exprs = None
                            break
                        exprs = True
                if exprs is not None:
                    new = self._copy()
                    new._set = columns
                    new._exprs = exprs
                    return new
        if values is None:
            row, exprs = checked_values(self.table, columns, "update.values()", True)
        else:
            if not isinstance(values, Mapping):
                raise TypeError(f"update.values() takes a mapping or keywords, got {values!r}")
            row, exprs = checked_values(self.table, values, "update.values()", False)
            if columns:
                more, more_exprs = checked_values(self.table, columns, "update.values()", True)
                row.update(more)
                exprs = exprs or more_exprs
        new = self._copy()
        if self._set:
            merged = dict(self._set)
            merged.update(row)
            row = merged
            exprs = exprs or self._exprs
        new._set = row
        new._exprs = exprs
        return new

    def where(self, *conditions: object) -> Update:
        """Which rows: conditions joined with AND."""
        items = where_items(conditions, "update.where()")
        if not items:
            return self
        new = self._copy()
        new._where = self._where + items  # type: ignore[operator]
        return new

    def from_(self, *froms: FromClause) -> Update:
        """``UPDATE ... FROM other`` to read other tables (PostgreSQL, SQLite 3.33+)."""
        for item in froms:
            if not isinstance(item, FromClause):
                raise TypeError(f"update.from_() takes tables or subqueries, got {item!r}")
        new = self._copy()
        new._froms = self._froms + froms
        return new

    def returning(self, *columns: object) -> Update:
        """``RETURNING columns`` of the updated rows."""
        new = self._copy()
        new._returning = self._returning + returning_items(columns)
        return new

    def _is_read(self) -> bool:
        return False

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        memo = self._memo
        if memo is None:
            assigned = self._set
            if not assigned:
                raise CompileError(
                    f"update({self.table!r}) has no values(): nothing to SET. "
                    "Add .values(column=value)"
                )
            key: list[Hashable] = [_UPDATE, self.table._key, tuple(assigned)]
            if self._exprs:
                params: list[Any] = []
                key.append(SET)
                for value in assigned.values():  # add_values, inline
                    if isinstance(value, ColumnElement):
                        key.append(value._key)
                        if value._params:
                            params.extend(value._params)
                    else:
                        key.append("?")
                        params.append(value)
            else:
                # Every value a parameter: the names say it all.
                params = list(assigned.values())
            if self._froms:
                key.append(FROM)
                add_items(key, params, self._froms)
            # WHERE and RETURNING inline (see Delete._shape).
            where = self._where
            if where:
                key.append(WHERE)
                for cond in where:
                    key.append(cond._key)
                    if cond._params:
                        params.extend(cond._params)
            if self._returning:
                key.append(RETURNING)
                for item in self._returning:
                    key.append(item._key)
                    if item._params:
                        params.extend(item._params)
            memo = self._memo = (tuple(key), tuple(params))
        return memo

    _cache_shape = _shape

    def _render_stmt(self, w: SQLWriter) -> None:
        w.write("UPDATE ")
        self.table._render(w)
        w.write(" SET ")
        render_set(w, self._set.items())
        if self._froms:
            w.write(" FROM ")
            w.join(self._froms)
        render_where(w, self._where)
        render_returning(w, self._returning)

    def __repr__(self) -> str:
        return f"<Update {self}>"


class Delete(Statement):
    """``DELETE FROM table [USING ...] WHERE ... [RETURNING ...]``."""

    __slots__ = ("_memo", "_returning", "_using", "_where", "table")

    table: Table | TableAlias
    _where: tuple[ColumnElement, ...]  # ANDed; AND lists flattened in
    _using: tuple[FromClause, ...]
    _returning: tuple[ColumnElement, ...]
    _memo: tuple[Hashable, tuple[Any, ...]] | None

    def _copy(self) -> Delete:
        new = Delete()
        new.table = self.table
        new._where = self._where
        new._using = self._using
        new._returning = self._returning
        new._memo = None
        return new

    def where(self, *conditions: object) -> Delete:
        """Which rows: conditions joined with AND (no where deletes every row)."""
        items = where_items(conditions, "delete.where()")
        if not items:
            return self
        new = self._copy()
        new._where = self._where + items  # type: ignore[operator]
        return new

    def using(self, *froms: FromClause) -> Delete:
        """``DELETE ... USING other`` to join other tables (PostgreSQL only)."""
        for item in froms:
            if not isinstance(item, FromClause):
                raise TypeError(f"delete.using() takes tables or subqueries, got {item!r}")
        new = self._copy()
        new._using = self._using + froms
        return new

    def returning(self, *columns: object) -> Delete:
        """``RETURNING columns`` of the deleted rows."""
        new = self._copy()
        new._returning = self._returning + returning_items(columns)
        return new

    def _is_read(self) -> bool:
        return False

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        memo = self._memo
        if memo is None:
            key: list[Hashable] = [_DELETE, self.table._key]
            params: list[Any] = []
            if self._using:
                key.append(FROM)
                add_items(key, params, self._using)
            # WHERE and RETURNING inline: this runs for every statement built, and a
            # call per clause costs more than the loop.
            where = self._where
            if where:
                key.append(WHERE)
                for cond in where:
                    key.append(cond._key)
                    if cond._params:
                        params.extend(cond._params)
            if self._returning:
                key.append(RETURNING)
                for item in self._returning:
                    key.append(item._key)
                    if item._params:
                        params.extend(item._params)
            memo = self._memo = (tuple(key), tuple(params))
        return memo

    _cache_shape = _shape

    def _render_stmt(self, w: SQLWriter) -> None:
        w.write("DELETE FROM ")
        self.table._render(w)
        if self._using:
            if not w.pg:
                raise CompileError(
                    "DELETE ... USING is PostgreSQL-only; on SQLite use "
                    "where(t.c.id.in_(select(...)))"
                )
            w.write(" USING ")
            w.join(self._using)
        render_where(w, self._where)
        render_returning(w, self._returning)

    def __repr__(self) -> str:
        return f"<Delete {self}>"


def update(table: Table | TableAlias) -> Update:
    """``UPDATE table``: chain ``.values(...)``, ``.where(...)``, ``.returning(...)``."""
    new = Update()
    given: object = table
    if not isinstance(given, TARGETS):
        target(given, "update()")  # raises
    new.table = table
    new._set = {}
    new._exprs = False
    new._where = new._froms = new._returning = ()
    new._memo = None
    return new


def delete(table: Table | TableAlias) -> Delete:
    """``DELETE FROM table``: chain ``.where(...)``, ``.returning(...)``."""
    new = Delete()
    given: object = table
    if not isinstance(given, TARGETS):
        target(given, "delete()")  # raises
    new.table = table
    new._where = new._using = new._returning = ()
    new._memo = None
    return new
