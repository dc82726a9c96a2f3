"""The compiled-SQL cache: a statement's shape key, per dialect, to its SQL text.

A statement is rendered once per (dialect, shape); afterwards compiling it is a dict
lookup and its parameter tuple as it is. The first rendering also checks that the
parameters the SQL asks for, in text order, are the statement's own parameter tuple:
the rule every node keeps, and the reason the fast path needs no tree walk.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, NamedTuple, Protocol

from ..errors import CompileError
from ._dialect import Dialect
from ._elements import BindParam
from ._writer import SQLWriter

__all__ = ["CACHE_SIZE", "Compiled", "Entry", "Shaped", "compile_shape", "render"]

CACHE_SIZE = 2048
_VARIANTS = 64


class Shaped(Protocol):
    """A statement as the cache sees it."""

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]: ...

    def _cache_shape(self) -> tuple[Hashable, tuple[Any, ...]]: ...

    def _render_stmt(self, w: SQLWriter) -> None: ...


class Compiled(NamedTuple):
    """A compiled statement: ``sql`` for the driver and ``params`` in placeholder order."""

    sql: str
    params: tuple[Any, ...]


class Entry:
    """What the cache keeps for one shape in one dialect."""

    __slots__ = ("expand", "named", "plain", "sql", "variants")

    def __init__(self, sql: str, expand: tuple[int, ...], named: tuple[int, ...]) -> None:
        self.sql = sql
        self.expand = expand  # list parameters spread into (?, ?, ...), SQLite
        self.named = named  # bindparam() slots, filled from the values mapping
        self.plain = not expand and not named
        self.variants: dict[tuple[int, ...], str] = {}


def render(stmt: Shaped, dialect: Dialect) -> tuple[str, SQLWriter]:
    """Render ``stmt`` from scratch; checks the parameter-order rule."""
    w = SQLWriter(dialect)
    stmt._render_stmt(w)
    _, params = stmt._shape()
    values = w.values
    if len(values) != len(params) or any(a is not b for a, b in zip(values, params, strict=True)):
        raise CompileError(
            f"internal error: {type(stmt).__name__} rendered its parameters in another "
            "order than it collected them; please report this with the statement"
        )
    return w.sql(), w


def _new_entry(stmt: Shaped, dialect: Dialect, key: Hashable, params: tuple[Any, ...]) -> Entry:
    sql, w = render(stmt, dialect)
    named = tuple(i for i, v in enumerate(params) if type(v) is BindParam)
    entry = Entry(sql, tuple(w.expand), named)
    if entry.expand:
        entry.variants[_lengths(entry, params)] = sql
    cache = dialect.cache
    if len(cache) >= CACHE_SIZE:
        # Oldest first: dicts keep insertion order.
        for old in list(cache)[: CACHE_SIZE // 4]:
            del cache[old]
    cache[key] = entry
    return entry


def _lengths(entry: Entry, params: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(len(params[i]) for i in entry.expand)


def compile_shape(
    stmt: Shaped, dialect: Dialect, values: Mapping[str, Any] | None
) -> tuple[str, tuple[Any, ...]]:
    """``stmt`` as SQL and parameters for ``dialect``, from the cache when seen before."""
    key, params = stmt._cache_shape()
    entry: Entry | None = dialect.cache.get(key)
    if entry is None:
        key, params = stmt._shape()
        entry = dialect.cache.get(key)
        if entry is None:
            entry = _new_entry(stmt, dialect, key, params)
    if entry.plain and not values:
        return entry.sql, params
    return _finish(stmt, dialect, entry, params, values)


def _finish(
    stmt: Shaped,
    dialect: Dialect,
    entry: Entry,
    params: tuple[Any, ...],
    values: Mapping[str, Any] | None,
) -> tuple[str, tuple[Any, ...]]:
    sql = entry.sql
    if entry.named or values:
        params = fill_named(params, entry.named, values)
    if entry.expand:
        lengths = _lengths(entry, params)
        found = entry.variants.get(lengths)
        if found is None:
            found, _ = render(stmt, dialect)
            if len(entry.variants) >= _VARIANTS:
                entry.variants.clear()
            entry.variants[lengths] = found
        sql = found
        spread = set(entry.expand)
        flat: list[Any] = []
        for i, value in enumerate(params):
            if i in spread:
                flat.extend(value)
            else:
                flat.append(value)
        params = tuple(flat)
    return sql, params


def fill_named(
    params: tuple[Any, ...], named: tuple[int, ...], values: Mapping[str, Any] | None
) -> tuple[Any, ...]:
    """``params`` with each bindparam() slot replaced by its value from ``values``."""
    values = values or {}
    wanted = {params[i].name for i in named}
    if wanted != values.keys():
        missing = sorted(wanted.difference(values))
        if missing:
            raise CompileError(f"no value for bindparam(s): {', '.join(missing)}")
        extra = sorted(set(values).difference(wanted))
        raise CompileError(
            f"values given for unknown parameter(s): {', '.join(map(str, extra))}; "
            f"the statement's bindparam() names are: {', '.join(sorted(wanted)) or '(none)'}"
        )
    filled = list(params)
    for i in named:
        filled[i] = values[params[i].name]
    return tuple(filled)
