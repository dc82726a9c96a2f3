"""Dialects: how SQL is spelled for one database and one driver placeholder style.

A ``Dialect`` is a singleton per (database, paramstyle) pair and owns the compiled-SQL
cache for that pair, so the per-call path never builds one.
"""

from __future__ import annotations

from typing import Any, Literal

from ..errors import CompileError

__all__ = ["Dialect", "DialectName", "ParamStyle", "get_dialect", "quote_identifier"]

DialectName = Literal["postgresql", "sqlite"]
ParamStyle = Literal["numeric_dollar", "format", "qmark"]

_STYLES: dict[str, tuple[str, ...]] = {
    "postgresql": ("numeric_dollar", "format"),
    "sqlite": ("qmark",),
}
_DEFAULT_STYLE = {"postgresql": "numeric_dollar", "sqlite": "qmark"}


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier, embedded quotes doubled."""
    if type(name) is not str:
        raise TypeError(f"an identifier must be a str, got {type(name).__name__}: {name!r}")
    if not name:
        raise CompileError("an identifier cannot be empty")
    if "\x00" in name:
        raise CompileError(f"an identifier cannot contain a NUL character: {name!r}")
    return '"' + name.replace('"', '""') + '"'


class Dialect:
    """One database (``name``) with one placeholder style (``paramstyle``).

    ``cache`` maps a statement's shape key to its compiled form; it is bounded and
    trimmed oldest-first when full.
    """

    __slots__ = ("cache", "name", "numeric", "paramstyle", "percent", "postgres")

    def __init__(self, name: DialectName, paramstyle: ParamStyle) -> None:
        self.name: DialectName = name
        self.paramstyle: ParamStyle = paramstyle
        self.postgres = name == "postgresql"
        self.numeric = paramstyle == "numeric_dollar"
        # psycopg's "format" style reads % as the start of a placeholder.
        self.percent = paramstyle == "format"
        self.cache: dict[Any, Any] = {}

    def placeholder(self, position: int) -> str:
        """The placeholder for the 1-based parameter ``position``."""
        if self.numeric:
            return f"${position}"
        return "%s" if self.percent else "?"

    def __repr__(self) -> str:
        return f"Dialect({self.name!r}, {self.paramstyle!r})"


_dialects: dict[tuple[str, str], Dialect] = {}


def get_dialect(dialect: str, paramstyle: str | None = None) -> Dialect:
    """The shared ``Dialect`` for ``dialect`` ("postgresql" or "sqlite") and ``paramstyle``.

    ``paramstyle`` is "numeric_dollar" ($1, asyncpg) or "format" (%s, psycopg) on
    PostgreSQL and "qmark" (?) on SQLite; ``None`` picks the first of these.
    """
    found = _dialects.get((dialect, paramstyle or ""))
    if found is not None:
        return found
    styles = _STYLES.get(dialect)
    if styles is None:
        raise CompileError(f"unknown dialect {dialect!r}: expected 'postgresql' or 'sqlite'")
    style = paramstyle or _DEFAULT_STYLE[dialect]
    if style not in styles:
        expected = " or ".join(repr(s) for s in styles)
        raise CompileError(
            f"paramstyle {style!r} does not fit dialect {dialect!r}: expected {expected}"
        )
    made = _dialects.get((dialect, style))
    if made is None:
        made = Dialect(dialect, style)  # type: ignore[arg-type]
        _dialects[(dialect, style)] = made
    _dialects[(dialect, paramstyle or "")] = made
    return made
