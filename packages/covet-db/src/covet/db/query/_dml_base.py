"""What INSERT, UPDATE and DELETE share: the target table, checked column values, SET
lists, RETURNING and WHERE, and the pieces of their shape keys.

A value given to ``values()`` stays as it is when it is a plain Python value (it is a
bound parameter: key ``"?"``, the value itself the parameter) and is kept as an
expression otherwise; a statement remembers whether it holds any expression at all, so
the common all-values case gathers its parameters without looking at each one again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from ..errors import CompileError
from ._base import P_NOT, ClauseElement, Marker
from ._dialect import quote_identifier
from ._elements import ColumnElement, Label, coerce
from ._from import Column, FromClause
from ._schema import Table, TableAlias
from ._writer import SQLWriter

__all__ = [
    "FROM",
    "RETURNING",
    "SET",
    "TARGETS",
    "VALUES",
    "WHERE",
    "add_items",
    "add_values",
    "base_table",
    "checked_values",
    "column_name",
    "expression_value",
    "quoted_names",
    "render_returning",
    "render_set",
    "render_value",
    "render_where",
    "returning_items",
    "target",
]

# Shape-key markers (see ``Marker``): each opens a clause and is left out with it.
SET = Marker("SET")
VALUES = Marker("VALUES")
FROM = Marker("FROM")
WHERE = Marker("WHERE")
RETURNING = Marker("RETURNING")

TARGETS = (Table, TableAlias)  # what a statement writes to


def target(table: object, where: str) -> Table | TableAlias:
    if not isinstance(table, TARGETS):
        raise TypeError(f"{where} takes a table (table('users', ...)), got {table!r}")
    return table


def base_table(table: Table | TableAlias) -> Table:
    return table.table if isinstance(table, TableAlias) else table


def column_name(table: Table | TableAlias, key: object, where: str) -> str:
    if isinstance(key, Column):
        if key.table is not None and key.table._qual_key() != table._qual_key():
            raise CompileError(f"{where}: column {key.name!r} belongs to another table")
        key = key.name
    if type(key) is not str:
        raise TypeError(f"{where}: column keys must be names or columns, got {key!r}")
    columns = base_table(table).c
    if not columns._dynamic and key not in columns:
        raise CompileError(
            f"{where}: table {base_table(table).table_name!r} has no column {key!r}; "
            f"its columns are: {', '.join(columns._columns)}"
        )
    return key


def expression_value(value: object) -> Any:
    """A value for a column: a plain value as it is (a parameter), an expression as it
    is, a select as a scalar subquery; a table or the like is refused."""
    if isinstance(value, ColumnElement) or not isinstance(value, ClauseElement):
        return value
    return coerce(value)


def checked_values(
    table: Table | TableAlias, values: Mapping[Any, Any], where: str, fresh: bool
) -> tuple[dict[str, Any], bool]:
    """``values`` keyed by column names the table has (a column stands for its name),
    and whether any value is an expression. ``fresh`` says ``values`` is a dict of str
    keys nobody else holds (keyword arguments), which is then used as it is."""
    out: dict[str, Any]
    if fresh:
        out = values  # type: ignore[assignment]
    else:
        for key in values:
            if type(key) is not str:
                out = {column_name(table, k, where): v for k, v in values.items()}
                break
        else:
            out = dict(values)
    known = table._known
    # One subset test instead of a lookup per name; the loop only finds the name to
    # complain about.
    if known is not None and not known.issuperset(out):
        for key in out:
            column_name(table, key, where)
    exprs = False
    for value in out.values():
        if isinstance(value, ClauseElement):
            exprs = True
            if not isinstance(value, ColumnElement):
                out = {k: expression_value(v) for k, v in out.items()}
                break
    return out, exprs


def returning_items(items: tuple[object, ...]) -> tuple[ColumnElement, ...]:
    for item in items:
        if type(item) is not Column:
            break
    else:
        return items  # type: ignore[return-value]
    out: list[ColumnElement] = []
    for item in items:
        if isinstance(item, ColumnElement):
            out.append(item)
        elif isinstance(item, FromClause):
            out.extend(item._star_columns())
        else:
            raise TypeError(f"returning() takes columns, expressions or tables, got {item!r}")
    return tuple(out)


def add_items(key: list[Hashable], params: list[Any], items: Iterable[ClauseElement]) -> None:
    """Each item's key onto ``key`` and its parameters onto ``params``."""
    for item in items:
        key.append(item._key)
        if item._params:
            params.extend(item._params)


def add_values(key: list[Hashable], params: list[Any], values: Iterable[Any]) -> None:
    """Column values (see the module docstring) onto ``key`` and ``params``."""
    for value in values:
        if isinstance(value, ColumnElement):
            key.append(value._key)
            if value._params:
                params.extend(value._params)
        else:
            key.append("?")  # the key of a bound parameter
            params.append(value)


def render_value(w: SQLWriter, value: Any) -> None:
    if isinstance(value, ColumnElement):
        value._render(w)
    else:
        w.bind(value)


def render_returning(w: SQLWriter, items: tuple[ColumnElement, ...]) -> None:
    if items:
        w.write(" RETURNING ")
        for i, item in enumerate(items):
            if i:
                w.write(", ")
            if isinstance(item, Label):
                item.element._render(w)
                w.write(" AS ")
                w.ident(item.name)
            else:
                item._render(w)


def render_set(w: SQLWriter, assignments: Iterable[tuple[str, Any]]) -> None:
    for i, (name, value) in enumerate(assignments):
        if i:
            w.write(", ")
        w.ident(name)
        w.write(" = ")
        render_value(w, value)


def render_where(w: SQLWriter, where: tuple[ColumnElement, ...]) -> None:
    if where:
        w.write(" WHERE ")
        if len(where) == 1:
            where[0]._render(w)
        else:
            w.join(where, " AND ", P_NOT)


def quoted_names(names: Iterable[str]) -> list[str]:
    return [quote_identifier(n) for n in names]
