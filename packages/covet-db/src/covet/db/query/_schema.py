"""Tables and their aliases: ``table("users", "id", "name")``, ``users.alias("u")``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import CompileError
from ._dialect import quote_identifier
from ._elements import ColumnElement
from ._from import Column, ColumnCollection, FromClause, StarColumns, expose_columns, star_columns
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

    __slots__ = ("__dict__", "_known", "_stars", "c", "schema", "table_name")

    _key: str
    # Set once from the declared columns (None for a table without any): the names
    # ``values()`` accepts and the columns ``select(table)`` selects.
    _known: frozenset[str] | None
    _stars: StarColumns | None

    def __new__(cls, *args: Any, **kwargs: Any) -> Table:
        # Only a table without declared columns needs __getattr__ (any name is a
        # column): on CPython 3.11 a class with one reads all its attributes slower.
        # (No arguments: copy and pickle, which restore the state themselves.)
        loose = cls is Table and (len(args) == 1 or (not args and "name" in kwargs))
        return object.__new__(_LooseTable if loose else cls)

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Column: ...

    def __init__(self, name: str, *columns: str, schema: str | None = None) -> None:
        self.table_name = _check_name("table", name)
        self.schema = None if schema is None else _check_name("schema", schema)
        for col in columns:
            _check_name("column", col)
        if len(set(columns)) != len(columns):
            raise CompileError(f"table {name!r} declares a column twice: {columns!r}")
        # A str (see Column): the name, and the schema, quoted as in SQL.
        quoted = quote_identifier(name)
        self._key = "T" + quoted if schema is None else f"T{quote_identifier(schema)}.{quoted}"
        self._params = ()
        self.c = ColumnCollection(self, columns if columns else None)
        self._known = frozenset(columns) if columns else None
        self._stars = star_columns(self.c) if columns else None
        expose_columns(self, self.c)

    def alias(self, name: str) -> TableAlias:
        """The same table under another name: ``FROM "users" AS "u"``."""
        return TableAlias(self, name)

    def _star_columns(self) -> tuple[ColumnElement, ...]:
        stars = self._stars
        return super()._star_columns() if stars is None else stars

    def _qual_key(self) -> str:
        return self._key

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


class _LooseTable(Table):
    """A table declared without columns: every attribute name is one of its columns."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_") or name in _OWN:
            raise AttributeError(name)
        return self.c.__getattr__(name)


class TableAlias(FromClause):
    """A table under another name; its columns are qualified by the alias."""

    __slots__ = ("__dict__", "_known", "_stars", "c", "name", "table")

    _key: str
    _known: frozenset[str] | None  # as for Table
    _stars: StarColumns | None

    def __new__(cls, *args: Any, **kwargs: Any) -> TableAlias:
        # As for Table: __getattr__ only where the columns are not declared.
        table = args[0] if args else kwargs.get("table")
        loose = cls is TableAlias and isinstance(table, Table) and table.c._dynamic
        return object.__new__(_LooseAlias if loose else cls)

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Column: ...

    def __init__(self, table: Table, name: str) -> None:
        self.table = table
        self.name = _check_name("alias", name)
        self._key = f"A{quote_identifier(name)}.{table._key}"
        self._params = ()
        names = tuple(table.c._columns) if table.c._dynamic is False else None
        self.c = ColumnCollection(self, names)
        self._known = table._known
        self._stars = star_columns(self.c) if names is not None else None
        expose_columns(self, self.c)

    def _qual_key(self) -> str:
        # The whole key, table included: a column's key then says which table it reads,
        # which lets a select skip FROM inference for a shape already compiled.
        return self._key

    def _star_columns(self) -> tuple[ColumnElement, ...]:
        stars = self._stars
        return super()._star_columns() if stars is None else stars

    def _render_qualifier(self, w: SQLWriter) -> None:
        w.ident(self.name)

    def _render(self, w: SQLWriter) -> None:
        self.table._render(w)
        w.write(" AS ")
        w.ident(self.name)

    def __repr__(self) -> str:
        return f"{self.table!r}.alias({self.name!r})"


class _LooseAlias(TableAlias):
    """An alias of a table declared without columns: every name is a column."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_") or name in ("c", "name", "table"):
            raise AttributeError(name)
        return self.c.__getattr__(name)


class Excluded(FromClause):
    """The row an INSERT ... ON CONFLICT DO UPDATE tried to insert: ``EXCLUDED."col"``."""

    __slots__ = ("c",)
    _inferable = False

    def __init__(self, table: Table) -> None:
        self._key = "E"
        self._params = ()
        self.c = ColumnCollection(
            self, tuple(table.c._columns) if table.c._dynamic is False else None
        )

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_") or name == "c":
            raise AttributeError(name)
        return self.c.__getattr__(name)

    def _qual_key(self) -> str:
        return "E"

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
