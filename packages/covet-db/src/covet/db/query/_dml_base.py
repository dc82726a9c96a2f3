"""What INSERT, UPDATE and DELETE share: the target table, column names, SET lists,
RETURNING and WHERE."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from ..errors import CompileError
from ._base import ClauseElement
from ._dialect import quote_identifier
from ._elements import BoolList, ColumnElement, Label, coerce, coerce_condition
from ._from import Column, FromClause
from ._schema import Table, TableAlias
from ._writer import SQLWriter

__all__ = [
    "and_conditions",
    "assignments",
    "base_table",
    "column_name",
    "keys_params",
    "quoted_names",
    "render_list",
    "render_returning",
    "render_set",
    "returning_items",
    "target",
]


def target(table: object, where: str) -> Table | TableAlias:
    if not isinstance(table, Table | TableAlias):
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


def assignments(
    table: Table | TableAlias, values: Mapping[Any, Any], where: str
) -> tuple[tuple[str, ColumnElement], ...]:
    return tuple((column_name(table, k, where), coerce(v)) for k, v in values.items())


def returning_items(items: tuple[object, ...]) -> tuple[ColumnElement, ...]:
    out: list[ColumnElement] = []
    for item in items:
        if isinstance(item, ColumnElement):
            out.append(item)
        elif isinstance(item, FromClause):
            out.extend(item._star_columns())
        else:
            raise TypeError(f"returning() takes columns, expressions or tables, got {item!r}")
    return tuple(out)


def keys_params(items: Iterable[ClauseElement]) -> tuple[tuple[Hashable, ...], tuple[Any, ...]]:
    keys: list[Hashable] = []
    params: tuple[Any, ...] = ()
    for item in items:
        keys.append(item._key)
        params += item._params
    return tuple(keys), params


def render_list(w: SQLWriter, items: Iterable[ColumnElement], sep: str = ", ") -> None:
    for i, item in enumerate(items):
        if i:
            w.write(sep)
        item._render(w)


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


def render_set(w: SQLWriter, assignments: tuple[tuple[str, ColumnElement], ...]) -> None:
    for i, (name, value) in enumerate(assignments):
        if i:
            w.write(", ")
        w.ident(name)
        w.write(" = ")
        value._render(w)


def quoted_names(names: Iterable[str]) -> list[str]:
    return [quote_identifier(n) for n in names]


def and_conditions(
    current: ColumnElement | None, conditions: tuple[object, ...], where: str
) -> ColumnElement | None:
    items = [coerce_condition(c, where) for c in conditions]
    if current is not None:
        items.insert(0, current)
    if not items:
        return None
    return items[0] if len(items) == 1 else BoolList("AND", tuple(items))
