"""INSERT: single and multi-row VALUES, INSERT ... SELECT, upsert (ON CONFLICT), RETURNING."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from ..errors import CompileError
from ._base import P_NOT, ClauseElement, Marker, SelectBase
from ._dml_base import (
    RETURNING,
    TARGETS,
    VALUES,
    add_values,
    base_table,
    checked_values,
    column_name,
    quoted_names,
    render_returning,
    render_set,
    render_value,
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

    # Slots filled by ``_copy`` (no __init__): see ``Select``.
    __slots__ = (
        "_conflict",
        "_exprs",
        "_memo",
        "_names",
        "_returning",
        "_rows",
        "_select",
        "table",
    )

    table: Table | TableAlias
    _names: tuple[str, ...]
    # One tuple per row, in ``_names`` order: plain values and expressions (see _dml_base).
    _rows: tuple[tuple[Any, ...], ...]
    _exprs: bool  # False: every row value is a plain value
    _select: SelectBase | None
    _conflict: _Conflict | None
    _returning: tuple[ColumnElement, ...]
    _memo: tuple[Hashable, tuple[Any, ...]] | None

    def _copy(self) -> Insert:
        new = Insert()
        new.table = self.table
        new._names = self._names
        new._rows = self._rows
        new._exprs = self._exprs
        new._select = self._select
        new._conflict = self._conflict
        new._returning = self._returning
        new._memo = None
        return new

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
        if columns and not rows and not self._rows and self._select is None:
            # The common call, values(a=1, b=2) on a new insert, without a function
            # call per check; anything unusual takes the general path below.
            known = self.table._known
            if known is None or known.issuperset(columns):
                for value in columns.values():
                    if isinstance(value, ClauseElement):
                        break
                else:
                    new = self._copy()
                    new._names = tuple(columns)
                    new._rows = (tuple(columns.values()),)
                    new._exprs = False
                    return new
        if self._select is not None:
            raise CompileError("insert: values() and from_select() cannot be combined")
        if columns:
            if rows:
                raise CompileError(
                    "insert.values() takes a mapping, a list of them, or keywords; not both"
                )
            return self._with_row(*checked_values(self.table, columns, "insert.values()", True))
        if len(rows) == 1 and isinstance(rows[0], Mapping):
            row = checked_values(self.table, rows[0], "insert.values()", False)
            return self._with_row(*row)
        given = list(rows[0]) if len(rows) == 1 and isinstance(rows[0], list | tuple) else rows
        records: list[Mapping[Any, Any]] = []
        for record in given:
            if not isinstance(record, Mapping):
                raise TypeError(f"insert.values() rows must be mappings, got {record!r}")
            records.append(record)
        if not records:
            raise CompileError("insert.values() got no rows")
        if len(records) == 1:
            return self._with_row(*checked_values(self.table, records[0], "insert.values()", False))
        first, exprs = checked_values(self.table, records[0], "insert.values()", False)
        names = tuple(first)
        out = [tuple(first.values())]
        for number, record in enumerate(records[1:], start=2):
            pairs, more = checked_values(self.table, record, "insert.values()", False)
            exprs = exprs or more
            if tuple(pairs) != names:
                if pairs.keys() != first.keys():
                    raise CompileError(
                        f"insert.values(): row {number} has columns "
                        f"{sorted(pairs)}, row 1 has {sorted(names)}"
                    )
                pairs = {name: pairs[name] for name in names}
            out.append(tuple(pairs.values()))
        new = self._copy()
        new._names = names
        new._rows = tuple(out)
        new._exprs = exprs
        return new

    def _with_row(self, row: dict[str, Any], exprs: bool) -> Insert:
        """This insert with the single row ``row``, added to its row if it has one."""
        new = self._copy()
        if len(self._rows) == 1:
            merged = dict(zip(self._names, self._rows[0], strict=True))
            merged.update(row)
            row = merged
            exprs = exprs or self._exprs
        new._names = tuple(row)
        new._rows = (tuple(row.values()),)
        new._exprs = exprs
        return new

    def from_select(self, columns: Sequence[str | Column], select: SelectBase) -> Insert:
        """``INSERT INTO table (columns) SELECT ...``."""
        if not isinstance(select, SelectBase):
            raise TypeError(f"from_select() takes a select(...), got {select!r}")
        if self._rows:
            raise CompileError("insert: values() and from_select() cannot be combined")
        new = self._copy()
        new._names = tuple(column_name(self.table, c, "insert.from_select()") for c in columns)
        new._select = select
        return new

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
        new = self._copy()
        new._returning = self._returning + returning_items(columns)
        return new

    def _is_read(self) -> bool:
        return False

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        memo = self._memo
        if memo is None:
            key: list[Hashable] = [_INSERT, self.table._key, self._names]
            params: list[Any] = []
            rows = self._rows
            if rows:
                if self._exprs:
                    key.append(VALUES)
                    for row in rows:
                        add_values(key, params, row)
                else:
                    # Every value a parameter: the row count and names say it all.
                    key.append(len(rows))
                    for row in rows:
                        params.extend(row)
            if self._select is not None:
                select_key, select_params = self._select._shape()
                key.append(_SELECT)
                key.append(select_key)
                params.extend(select_params)
            if self._conflict is not None:
                key.append(_CONFLICT)
                key.append(self._conflict.key)
                params.extend(self._conflict.params)
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
        w.write("INSERT INTO ")
        self.table._render(w)
        if self._names:
            w.write(" (")
            w.write(", ".join(quoted_names(self._names)))
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
                for j, value in enumerate(row):
                    if j:
                        w.write(", ")
                    render_value(w, value)
                w.write(")")
        else:
            w.write(" DEFAULT VALUES")
        if self._conflict is not None:
            self._conflict.render(w)
        render_returning(w, self._returning)

    def __repr__(self) -> str:
        return f"<Insert {self}>"


_INSERT = Marker("INSERT")
_SELECT = Marker("SELECT")
_CONFLICT = Marker("ON CONFLICT")


class _Conflict:
    """A resolved ON CONFLICT clause."""

    __slots__ = ("action", "constraint", "key", "params", "set", "target", "where")

    def __init__(
        self,
        target: tuple[str, ...],
        constraint: str | None,
        action: str,
        assignments: dict[str, Any],
        where: ColumnElement | None,
    ) -> None:
        self.target = target
        self.constraint = constraint
        self.action = action
        self.set = assignments
        self.where = where
        key: list[Hashable] = [target, constraint, action, tuple(assignments)]
        params: list[Any] = []
        add_values(key, params, assignments.values())
        if where is not None:
            key.append(where._key)
            params.extend(where._params)
        self.params = tuple(params)
        self.key = tuple(key)

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
        render_set(w, self.set.items())
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
        new = self.insert._copy()
        new._conflict = _Conflict(self.target, self.constraint, "nothing", {}, None)
        return new

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
        pairs: dict[str, Any]
        if set is None:
            names = [n for n in self.insert._names if n not in self.target]
            if not names:
                raise CompileError("do_update() has nothing to set: pass set={...}")
            pairs = {n: excluded.c[n] for n in names}
        elif isinstance(set, Mapping):
            pairs = checked_values(table, set, "do_update(set=...)", False)[0]
        elif isinstance(set, Sequence) and not isinstance(set, str):
            names = [column_name(table, c, "do_update(set=...)") for c in set]
            pairs = {n: excluded.c[n] for n in names}
        else:
            raise TypeError(f"do_update(set=...) takes a mapping or a list of columns, got {set!r}")
        if not pairs:
            raise CompileError("do_update() has nothing to set")
        condition = None if where is None else coerce_condition(where, "do_update(where=...)")
        new = self.insert._copy()
        new._conflict = _Conflict(self.target, self.constraint, "update", pairs, condition)
        return new


def insert(table: Table | TableAlias) -> Insert:
    """``INSERT INTO table``: chain ``.values(...)``, ``.on_conflict(...)``, ``.returning(...)``."""
    new = Insert()
    given: object = table
    if not isinstance(given, TARGETS):
        target(given, "insert()")  # raises
    new.table = table
    new._names = new._rows = new._returning = ()
    new._exprs = False
    new._select = new._conflict = new._memo = None
    return new
