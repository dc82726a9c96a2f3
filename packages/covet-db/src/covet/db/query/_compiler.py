"""The contract between the query package and ``Database``: statements and raw SQL in,
SQL text and positional parameters out, for one dialect and driver placeholder style.

Raw SQL uses portable ``:name`` placeholders. With values, they become ``$1`` (the same
number for a repeated name), ``%s`` (with literal ``%`` doubled) or ``?`` (a repeated
name repeats its value); a missing or an unknown name is a CompileError. With no values,
the SQL is returned byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import CompileError
from ._cache import compile_shape, render
from ._classify import sql_is_read
from ._dialect import Dialect, ParamStyle, get_dialect
from ._elements import BindParam
from ._insert import Insert
from ._lexer import scan
from ._statement import Statement

__all__ = [
    "Dialect",
    "ParamStyle",
    "compile_many",
    "compile_statement",
    "get_dialect",
    "statement_is_read",
]

_CACHE_SIZE = 2048
_raw_cache: dict[tuple[str, Dialect], tuple[str, tuple[str, ...], frozenset[str]]] = {}


def _translate(sql: str, dialect: Dialect) -> tuple[str, tuple[str, ...], frozenset[str]]:
    """``sql`` with its ``:name`` placeholders in the dialect's style, and the names in
    parameter order (cached per text and dialect)."""
    key = (sql, dialect)
    found = _raw_cache.get(key)
    if found is not None:
        return found
    chunks, names, _ = scan(sql, dialect.postgres)
    if dialect.percent:
        chunks = tuple(c.replace("%", "%%") for c in chunks)
    out = [chunks[0]]
    if dialect.numeric:
        numbers: dict[str, int] = {}
        for name, chunk in zip(names, chunks[1:], strict=True):
            number = numbers.setdefault(name, len(numbers) + 1)
            out.append(f"${number}")
            out.append(chunk)
        order = tuple(numbers)
    else:
        mark = "%s" if dialect.percent else "?"
        for chunk in chunks[1:]:
            out.append(mark)
            out.append(chunk)
        order = names
    if len(_raw_cache) >= _CACHE_SIZE:
        _raw_cache.clear()
    found = _raw_cache[key] = ("".join(out), order, frozenset(names))
    return found


def _raw_params(
    order: tuple[str, ...], names: frozenset[str], values: Mapping[str, Any]
) -> list[Any]:
    try:
        params = [values[name] for name in order]
    except KeyError as exc:
        raise CompileError(
            f"no value for the placeholder :{exc.args[0]} (values have: "
            f"{', '.join(sorted(map(str, values))) or 'nothing'})"
        ) from None
    if len(values) != len(names):
        extra = sorted(str(k) for k in values if k not in names)
        raise CompileError(
            f"values for {', '.join(extra)} but the SQL has no such :name placeholder "
            f"(it has: {', '.join(sorted(names)) or 'none'})"
        )
    return params


def _check_values(values: object) -> Mapping[str, Any]:
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping of placeholder names to values, got {values!r}")
    return values


def _fill_insert(query: Statement, values: Mapping[str, Any]) -> Statement:
    # insert(t) with values at execution: the keys name the columns.
    if type(query) is Insert and not query._rows and query._select is None:
        return query.values({name: BindParam(name) for name in values})
    return query


def compile_statement(
    query: str | Statement, values: Mapping[str, Any] | None, dialect: Dialect
) -> tuple[str, Sequence[Any]]:
    """SQL text and positional parameters for ``query`` in ``dialect``.

    ``query`` is raw SQL with ``:name`` placeholders and ``values`` a mapping, or a
    query-builder statement (``values`` then fills its ``bindparam()`` slots, or the
    columns of an ``insert(table)`` without ``values()``).
    """
    if type(query) is str:
        if not values:
            return query, ()
        # The per-call path: one cache lookup, then the values read without a helper call.
        sql, order, names = _raw_cache.get((query, dialect)) or _translate(query, dialect)
        if type(values) is not dict:
            _check_values(values)
        if len(order) == 1 and len(values) == 1:
            try:
                return sql, [values[order[0]]]
            except KeyError:
                pass  # _raw_params names the missing placeholder
        return sql, _raw_params(order, names, values)
    if isinstance(query, Statement):
        if values:
            query = _fill_insert(query, _check_values(values))
        else:
            # The per-call path: a known shape is one lookup.
            key, params = query._cache_shape()
            entry = dialect.cache.get(key)
            if entry is not None and entry.plain:
                return entry.sql, params
        return compile_shape(query, dialect, values)
    raise TypeError(
        f"a query is a str of SQL or a statement (select(), insert(), ...), got {type(query).__name__}"
    )


def compile_many(
    query: str | Statement, values_seq: Iterable[Mapping[str, Any]], dialect: Dialect
) -> tuple[str, list[Sequence[Any]]]:
    """One SQL text and a parameter list per mapping in ``values_seq`` (for executemany)."""
    rows = list(values_seq)
    if type(query) is str:
        sql, order, names = _translate(query, dialect)
        return sql, [_raw_params(order, names, _check_values(row)) for row in rows]
    if not isinstance(query, Statement):
        raise TypeError(
            f"a query is a str of SQL or a statement (select(), insert(), ...), got {type(query).__name__}"
        )
    if rows:
        query = _fill_insert(query, _check_values(rows[0]))
    else:
        if _has_named(query):
            return _sql_only(query, dialect), []
        return compile_shape(query, dialect, None)[0], []
    out: list[Sequence[Any]] = []
    sql = ""
    for row in rows:
        sql, params = compile_shape(query, dialect, _check_values(row))
        out.append(params)
    return sql, out


def _has_named(query: Statement) -> bool:
    return any(type(p) is BindParam for p in query._shape()[1])


def _sql_only(query: Statement, dialect: Dialect) -> str:
    return render(query, dialect)[0]


def statement_is_read(query: str | Statement) -> bool:
    """True if ``query`` only reads: a select without FOR UPDATE/SHARE, or raw SQL whose
    first keyword is SELECT, WITH (around a read), VALUES, TABLE, SHOW or EXPLAIN."""
    if type(query) is str:
        return sql_is_read(query)
    if isinstance(query, Statement):
        return query._is_read()
    raise TypeError(f"expected a str of SQL or a statement, got {type(query).__name__}")
