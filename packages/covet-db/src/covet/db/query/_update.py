"""UPDATE (with FROM) and DELETE (with USING), with RETURNING."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from ..errors import CompileError
from ._dml_base import (
    and_conditions,
    assignments,
    keys_params,
    render_returning,
    render_set,
    returning_items,
    target,
)
from ._elements import ColumnElement
from ._from import FromClause
from ._schema import Table, TableAlias
from ._statement import Statement
from ._writer import SQLWriter

__all__ = ["Delete", "Update", "delete", "update"]


class Update(Statement):
    """``UPDATE table SET ... [FROM ...] WHERE ... [RETURNING ...]``."""

    __slots__ = ("_froms", "_memo", "_returning", "_set", "_where", "table")

    def __init__(
        self,
        table: Table | TableAlias,
        assignments: tuple[tuple[str, ColumnElement], ...] = (),
        where: ColumnElement | None = None,
        froms: tuple[FromClause, ...] = (),
        returning: tuple[ColumnElement, ...] = (),
    ) -> None:
        self.table = table
        self._set = assignments
        self._where = where
        self._froms = froms
        self._returning = returning
        self._memo: tuple[Hashable, tuple[Any, ...]] | None = None

    def _replace(self, **changes: Any) -> Update:
        state: dict[str, Any] = {
            "assignments": self._set,
            "where": self._where,
            "froms": self._froms,
            "returning": self._returning,
        }
        state.update(changes)
        return Update(self.table, **state)

    def values(self, values: Mapping[Any, Any] | None = None, /, **columns: Any) -> Update:
        """What to set: ``values(name="x", n=t.c.n + 1)`` or ``values({"name": "x"})``."""
        merged = dict(self._set)
        if values is not None:
            if not isinstance(values, Mapping):
                raise TypeError(f"update.values() takes a mapping or keywords, got {values!r}")
            merged.update(assignments(self.table, values, "update.values()"))
        merged.update(assignments(self.table, columns, "update.values()"))
        return self._replace(assignments=tuple(merged.items()))

    def where(self, *conditions: object) -> Update:
        """Which rows: conditions joined with AND."""
        return self._replace(where=and_conditions(self._where, conditions, "update.where()"))

    def from_(self, *froms: FromClause) -> Update:
        """``UPDATE ... FROM other`` to read other tables (PostgreSQL, SQLite 3.33+)."""
        for item in froms:
            if not isinstance(item, FromClause):
                raise TypeError(f"update.from_() takes tables or subqueries, got {item!r}")
        return self._replace(froms=self._froms + froms)

    def returning(self, *columns: object) -> Update:
        """``RETURNING columns`` of the updated rows."""
        return self._replace(returning=self._returning + returning_items(columns))

    def _is_read(self) -> bool:
        return False

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        memo = self._memo
        if memo is None:
            if not self._set:
                raise CompileError(
                    f"update({self.table!r}) has no values(): nothing to SET. "
                    "Add .values(column=value)"
                )
            set_key, params = keys_params(v for _, v in self._set)
            from_key, p = keys_params(self._froms)
            params += p
            if self._where is not None:
                params += self._where._params
            ret_key, p = keys_params(self._returning)
            params += p
            key = (
                "update",
                self.table._key,
                tuple(n for n, _ in self._set),
                set_key,
                from_key,
                None if self._where is None else self._where._key,
                ret_key,
            )
            memo = self._memo = (key, params)
        return memo

    def _render_stmt(self, w: SQLWriter) -> None:
        w.write("UPDATE ")
        self.table._render(w)
        w.write(" SET ")
        render_set(w, self._set)
        if self._froms:
            w.write(" FROM ")
            w.join(self._froms)
        if self._where is not None:
            w.write(" WHERE ")
            self._where._render(w)
        render_returning(w, self._returning)

    def __repr__(self) -> str:
        return f"<Update {self}>"


class Delete(Statement):
    """``DELETE FROM table [USING ...] WHERE ... [RETURNING ...]``."""

    __slots__ = ("_memo", "_returning", "_using", "_where", "table")

    def __init__(
        self,
        table: Table | TableAlias,
        where: ColumnElement | None = None,
        using: tuple[FromClause, ...] = (),
        returning: tuple[ColumnElement, ...] = (),
    ) -> None:
        self.table = table
        self._where = where
        self._using = using
        self._returning = returning
        self._memo: tuple[Hashable, tuple[Any, ...]] | None = None

    def _replace(self, **changes: Any) -> Delete:
        state: dict[str, Any] = {
            "where": self._where,
            "using": self._using,
            "returning": self._returning,
        }
        state.update(changes)
        return Delete(self.table, **state)

    def where(self, *conditions: object) -> Delete:
        """Which rows: conditions joined with AND (no where deletes every row)."""
        return self._replace(where=and_conditions(self._where, conditions, "delete.where()"))

    def using(self, *froms: FromClause) -> Delete:
        """``DELETE ... USING other`` to join other tables (PostgreSQL only)."""
        for item in froms:
            if not isinstance(item, FromClause):
                raise TypeError(f"delete.using() takes tables or subqueries, got {item!r}")
        return self._replace(using=self._using + froms)

    def returning(self, *columns: object) -> Delete:
        """``RETURNING columns`` of the deleted rows."""
        return self._replace(returning=self._returning + returning_items(columns))

    def _is_read(self) -> bool:
        return False

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        memo = self._memo
        if memo is None:
            using_key, params = keys_params(self._using)
            if self._where is not None:
                params += self._where._params
            ret_key, p = keys_params(self._returning)
            params += p
            key = (
                "delete",
                self.table._key,
                using_key,
                None if self._where is None else self._where._key,
                ret_key,
            )
            memo = self._memo = (key, params)
        return memo

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
        if self._where is not None:
            w.write(" WHERE ")
            self._where._render(w)
        render_returning(w, self._returning)

    def __repr__(self) -> str:
        return f"<Delete {self}>"


def update(table: Table | TableAlias) -> Update:
    """``UPDATE table``: chain ``.values(...)``, ``.where(...)``, ``.returning(...)``."""
    return Update(target(table, "update()"))


def delete(table: Table | TableAlias) -> Delete:
    """``DELETE FROM table``: chain ``.where(...)``, ``.returning(...)``."""
    return Delete(target(table, "delete()"))
