"""INSERT: single and multi-row VALUES, INSERT ... SELECT, upsert (ON CONFLICT), RETURNING."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from ..errors import CompileError
from ._base import P_NOT, SelectBase
from ._dml_base import (
    assignments,
    base_table,
    column_name,
    keys_params,
    quoted_names,
    render_list,
    render_returning,
    render_set,
    returning_items,
    target,
)
from ._elements import ColumnElement, coerce_condition
from ._from import Column
from ._schema import Excluded, Table, TableAlias
from ._statement import Statement
from ._writer import SQLWriter

__all__ = ["Insert", "OnConflict", "insert"]


class Insert(Statement):
    """``INSERT INTO table ...``; build it with ``insert(table)`` and chain."""

    __slots__ = ("_columns", "_conflict", "_memo", "_returning", "_rows", "_select", "table")

    def __init__(
        self,
        table: Table | TableAlias,
        columns: tuple[str, ...] = (),
        rows: tuple[tuple[ColumnElement, ...], ...] = (),
        select: SelectBase | None = None,
        conflict: _Conflict | None = None,
        returning: tuple[ColumnElement, ...] = (),
    ) -> None:
        self.table = table
        self._columns = columns
        self._rows = rows
        self._select = select
        self._conflict = conflict
        self._returning = returning
        self._memo: tuple[Hashable, tuple[Any, ...]] | None = None

    def _replace(self, **changes: Any) -> Insert:
        state: dict[str, Any] = {
            "columns": self._columns,
            "rows": self._rows,
            "select": self._select,
            "conflict": self._conflict,
            "returning": self._returning,
        }
        state.update(changes)
        return Insert(self.table, **state)

    @property
    def excluded(self) -> Excluded:
        """The row that could not be inserted, for ``do_update``: ``EXCLUDED."col"``."""
        return Excluded(base_table(self.table))

    def values(
        self, *rows: Mapping[Any, Any] | Sequence[Mapping[Any, Any]], **columns: Any
    ) -> Insert:
        """The row(s) to insert: ``values(name="x")``, ``values({"name": "x"})`` or
        ``values([{...}, {...}])`` (every row with the same keys). Values become
        parameters; SQL expressions (``func.now()``) are used as they are. A second
        call adds to a single row."""
        if self._select is not None:
            raise CompileError("insert: values() and from_select() cannot be combined")
        if rows and columns:
            raise CompileError(
                "insert.values() takes a mapping, a list of them, or keywords; not both"
            )
        if columns:
            records: list[Mapping[Any, Any]] = [columns]
        elif len(rows) == 1 and isinstance(rows[0], Mapping):
            records = [rows[0]]
        elif len(rows) == 1 and isinstance(rows[0], list | tuple):
            records = list(rows[0])
        else:
            records = list(rows)  # type: ignore[arg-type]
        for record in records:
            if not isinstance(record, Mapping):
                raise TypeError(f"insert.values() rows must be mappings, got {record!r}")
        if not records:
            raise CompileError("insert.values() got no rows")
        if len(records) == 1 and len(self._rows) == 1:
            merged = dict(zip(self._columns, self._rows[0], strict=True))
            merged.update(assignments(self.table, records[0], "insert.values()"))
            names = tuple(merged)
            return self._replace(columns=names, rows=(tuple(merged.values()),))
        first = assignments(self.table, records[0], "insert.values()")
        names = tuple(name for name, _ in first)
        out = [tuple(v for _, v in first)]
        for number, record in enumerate(records[1:], start=2):
            pairs = assignments(self.table, record, "insert.values()")
            if tuple(name for name, _ in pairs) != names:
                if {name for name, _ in pairs} != set(names):
                    raise CompileError(
                        f"insert.values(): row {number} has columns "
                        f"{sorted(n for n, _ in pairs)}, row 1 has {sorted(names)}"
                    )
                lookup = dict(pairs)
                pairs = tuple((name, lookup[name]) for name in names)
            out.append(tuple(v for _, v in pairs))
        return self._replace(columns=names, rows=tuple(out))

    def from_select(self, columns: Sequence[str | Column], select: SelectBase) -> Insert:
        """``INSERT INTO table (columns) SELECT ...``."""
        if not isinstance(select, SelectBase):
            raise TypeError(f"from_select() takes a select(...), got {select!r}")
        if self._rows:
            raise CompileError("insert: values() and from_select() cannot be combined")
        names = tuple(column_name(self.table, c, "insert.from_select()") for c in columns)
        return self._replace(columns=names, select=select)

    def on_conflict(self, *columns: str | Column, constraint: str | None = None) -> OnConflict:
        """Upsert: ``ON CONFLICT (columns)`` then ``.do_update(...)`` or ``.do_nothing()``.

        ``constraint="name"`` targets a named constraint instead (PostgreSQL).
        """
        names = tuple(column_name(self.table, c, "on_conflict()") for c in columns)
        if constraint is not None and names:
            raise CompileError("on_conflict() takes columns or constraint=, not both")
        return OnConflict(self, names, constraint)

    def returning(self, *columns: object) -> Insert:
        """``RETURNING columns`` (a table means all its columns)."""
        return self._replace(returning=self._returning + returning_items(columns))

    def _is_read(self) -> bool:
        return False

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        memo = self._memo
        if memo is None:
            params: tuple[Any, ...] = ()
            row_keys: list[Hashable] = []
            for row in self._rows:
                k, p = keys_params(row)
                row_keys.append(k)
                params += p
            select_key: Hashable = None
            if self._select is not None:
                select_key, p = self._select._shape()
                params += p
            conflict_key: Hashable = None
            if self._conflict is not None:
                conflict_key = self._conflict.key
                params += self._conflict.params
            ret_key, p = keys_params(self._returning)
            params += p
            key = (
                "insert",
                self.table._key,
                self._columns,
                tuple(row_keys),
                select_key,
                conflict_key,
                ret_key,
            )
            memo = self._memo = (key, params)
        return memo

    def _render_stmt(self, w: SQLWriter) -> None:
        w.write("INSERT INTO ")
        self.table._render(w)
        if self._columns:
            w.write(" (")
            w.write(", ".join(quoted_names(self._columns)))
            w.write(")")
        if self._select is not None:
            if self._conflict is not None and not w.pg:
                # SQLite reads "SELECT ... ON CONFLICT" as a join constraint without a WHERE.
                w.write(" SELECT * FROM ")
                self._select._render(w)
                w.write(" WHERE true")
            else:
                w.write(" ")
                self._select._render_stmt(w)
        elif self._rows:
            w.write(" VALUES ")
            for i, row in enumerate(self._rows):
                w.write(", (" if i else "(")
                render_list(w, row)
                w.write(")")
        else:
            w.write(" DEFAULT VALUES")
        if self._conflict is not None:
            self._conflict.render(w)
        render_returning(w, self._returning)

    def __repr__(self) -> str:
        return f"<Insert {self}>"


class _Conflict:
    """A resolved ON CONFLICT clause."""

    __slots__ = ("action", "constraint", "key", "params", "set", "target", "where")

    def __init__(
        self,
        target: tuple[str, ...],
        constraint: str | None,
        action: str,
        assignments: tuple[tuple[str, ColumnElement], ...],
        where: ColumnElement | None,
    ) -> None:
        self.target = target
        self.constraint = constraint
        self.action = action
        self.set = assignments
        self.where = where
        values_key, params = keys_params(v for _, v in assignments)
        if where is not None:
            params += where._params
        self.params = params
        self.key = (
            target,
            constraint,
            action,
            tuple(n for n, _ in assignments),
            values_key,
            None if where is None else where._key,
        )

    def render(self, w: SQLWriter) -> None:
        w.write(" ON CONFLICT")
        if self.constraint is not None:
            if not w.pg:
                raise CompileError(
                    "on_conflict(constraint=...) is PostgreSQL-only; name the columns"
                )
            w.write(" ON CONSTRAINT ")
            w.ident(self.constraint)
        elif self.target:
            w.write(" (")
            w.write(", ".join(quoted_names(self.target)))
            w.write(")")
        if self.action == "nothing":
            w.write(" DO NOTHING")
            return
        w.write(" DO UPDATE SET ")
        render_set(w, self.set)
        if self.where is not None:
            w.write(" WHERE ")
            w.sub(self.where, P_NOT)


class OnConflict:
    """``insert(...).on_conflict(...)``, waiting for ``do_update`` or ``do_nothing``."""

    __slots__ = ("constraint", "insert", "target")

    def __init__(self, insert: Insert, target: tuple[str, ...], constraint: str | None) -> None:
        self.insert = insert
        self.target = target
        self.constraint = constraint

    def do_nothing(self) -> Insert:
        """``ON CONFLICT ... DO NOTHING``: skip rows that conflict."""
        return self.insert._replace(
            conflict=_Conflict(self.target, self.constraint, "nothing", (), None)
        )

    def do_update(
        self,
        set: Mapping[Any, Any] | Sequence[str | Column] | None = None,
        *,
        where: ColumnElement | None = None,
    ) -> Insert:
        """``ON CONFLICT (...) DO UPDATE SET ...``.

        ``set`` maps columns to new values or expressions (``insert.excluded.col`` is the
        value that was being inserted); a list of names sets each from EXCLUDED; nothing
        sets every inserted column except the conflict columns from EXCLUDED.
        ``where`` limits which conflicting rows are updated.
        """
        if not self.target and self.constraint is None:
            raise CompileError(
                "do_update() needs a conflict target: on_conflict('id') or on_conflict(constraint=...)"
            )
        table = self.insert.table
        excluded = self.insert.excluded
        pairs: tuple[tuple[str, ColumnElement], ...]
        if set is None:
            names = [n for n in self.insert._columns if n not in self.target]
            if not names:
                raise CompileError("do_update() has nothing to set: pass set={...}")
            pairs = tuple((n, excluded.c[n]) for n in names)
        elif isinstance(set, Mapping):
            pairs = assignments(table, set, "do_update(set=...)")
        elif isinstance(set, Sequence) and not isinstance(set, str):
            names = [column_name(table, c, "do_update(set=...)") for c in set]
            pairs = tuple((n, excluded.c[n]) for n in names)
        else:
            raise TypeError(f"do_update(set=...) takes a mapping or a list of columns, got {set!r}")
        if not pairs:
            raise CompileError("do_update() has nothing to set")
        condition = None if where is None else coerce_condition(where, "do_update(where=...)")
        return self.insert._replace(
            conflict=_Conflict(self.target, self.constraint, "update", pairs, condition)
        )


def insert(table: Table | TableAlias) -> Insert:
    """``INSERT INTO table``: chain ``.values(...)``, ``.on_conflict(...)``, ``.returning(...)``."""
    return Insert(target(table, "insert()"))
