"""Tables and their aliases: ``table("users", "id", "name")``, ``users.alias("u")``."""

from __future__ import annotations

from typing import Any

from ..errors import CompileError
from ._dialect import quote_identifier
from ._elements import ColumnElement
from ._from import Column, ColumnCollection, FromClause, expose_columns
from ._writer import SQLWriter

__all__ = ["Excluded", "Table", "TableAlias", "column", "table"]

_OWN = frozenset({"c", "table_name", "schema"})


def _check_name(kind: str, name: object) -> str:
    if type(name) is not str:
        raise TypeError(f"a {kind} name must be a str, got {type(name).__name__}: {name!r}")
    quote_identifier(name)  # refuses empty names and NUL
    return name


class Table(FromClause):
    """A table: ``Table("users", "id", "name", schema=None)`` (or ``table(...)``).

    Columns by attribute: ``users.c.name``, or ``users.name`` where the name does not
    clash with a Table attribute (``c``, ``table_name``, ``schema``, ``alias``, ``join``...).
    Declared with column names, a table refuses unknown ones (a typo fails early);
    declared without any, it accepts every name.
    """

    __slots__ = ("__dict__", "c", "schema", "table_name")

    def __init__(self, name: str, *columns: str, schema: str | None = None) -> None:
        self.table_name = _check_name("table", name)
        self.schema = None if schema is None else _check_name("schema", schema)
        for col in columns:
            _check_name("column", col)
        if len(set(columns)) != len(columns):
            raise CompileError(f"table {name!r} declares a column twice: {columns!r}")
        self._key = ("t", self.schema, name)
        self._params = ()
        self.c = ColumnCollection(self, columns if columns else None)
        expose_columns(self, self.c)

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_") or name in _OWN:
            raise AttributeError(name)
        return self.c.__getattr__(name)

    def alias(self, name: str) -> TableAlias:
        """The same table under another name: ``FROM "users" AS "u"``."""
        return TableAlias(self, name)

    def _star_columns(self) -> tuple[ColumnElement, ...]:
        if self.c._dynamic is False:
            return tuple(self.c)
        return super()._star_columns()

    def _render_qualifier(self, w: SQLWriter) -> None:
        if self.schema is not None:
            w.ident(self.schema)
            w.write(".")
        w.ident(self.table_name)

    def _render(self, w: SQLWriter) -> None:
        self._render_qualifier(w)

    def __repr__(self) -> str:
        if self.schema is not None:
            return f"table({self.table_name!r}, schema={self.schema!r})"
        return f"table({self.table_name!r})"


class TableAlias(FromClause):
    """A table under another name; its columns are qualified by the alias."""

    __slots__ = ("__dict__", "c", "name", "table")

    def __init__(self, table: Table, name: str) -> None:
        self.table = table
        self.name = _check_name("alias", name)
        self._key = ("alias", table._key, name)
        self._params = ()
        names = tuple(table.c._columns) if table.c._dynamic is False else None
        self.c = ColumnCollection(self, names)
        expose_columns(self, self.c)

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_") or name in ("c", "name", "table"):
            raise AttributeError(name)
        return self.c.__getattr__(name)

    def _qual_key(self) -> Any:
        return ("a", self.name)

    def _star_columns(self) -> tuple[ColumnElement, ...]:
        if self.c._dynamic is False:
            return tuple(self.c)
        return super()._star_columns()

    def _render_qualifier(self, w: SQLWriter) -> None:
        w.ident(self.name)

    def _render(self, w: SQLWriter) -> None:
        self.table._render(w)
        w.write(" AS ")
        w.ident(self.name)

    def __repr__(self) -> str:
        return f"{self.table!r}.alias({self.name!r})"


class Excluded(FromClause):
    """The row an INSERT ... ON CONFLICT DO UPDATE tried to insert: ``EXCLUDED."col"``."""

    __slots__ = ("c",)
    _inferable = False

    def __init__(self, table: Table) -> None:
        self._key = ("excluded",)
        self._params = ()
        self.c = ColumnCollection(
            self, tuple(table.c._columns) if table.c._dynamic is False else None
        )

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_") or name == "c":
            raise AttributeError(name)
        return self.c.__getattr__(name)

    def _render_qualifier(self, w: SQLWriter) -> None:
        w.write("EXCLUDED")

    def _render(self, w: SQLWriter) -> None:
        raise CompileError("EXCLUDED is only for the DO UPDATE part of on_conflict()")

    def __repr__(self) -> str:
        return "excluded"


def table(name: str, *columns: str, schema: str | None = None) -> Table:
    """A table to query: ``users = table("users", "id", "name")``; see ``Table``."""
    return Table(name, *columns, schema=schema)


def column(name: str) -> Column:
    """An unqualified column, ``"name"`` (for a column of a table, use ``users.c.name``)."""
    return Column(_check_name("column", name), None)
