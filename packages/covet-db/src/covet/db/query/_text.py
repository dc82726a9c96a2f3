"""Raw SQL fragments and statements: ``text("lower(name) = :name", {"name": "x"})``.

``:name`` placeholders become bound parameters (never inlined); one that gets no value
here is filled at execution, like ``bindparam(name)``. Literals, quoted identifiers,
comments, ``::`` casts and ``a:b`` slices are left alone.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from ..errors import CompileError
from ._classify import sql_is_read
from ._elements import BindParam, ColumnElement
from ._from import FromClause
from ._lexer import scan
from ._statement import Statement
from ._writer import SQLWriter

__all__ = ["TextClause", "TextFrom", "text"]


class TextClause(ColumnElement, Statement):
    """A piece of raw SQL: a condition, a column, a FROM item or a whole statement."""

    __slots__ = ("sql", "values")
    # Raw SQL may hold OR or a comma: parenthesize it inside any operator.
    _prec = 0

    def __init__(self, sql: str, values: Mapping[str, Any] | None = None) -> None:
        if type(sql) is not str:
            raise TypeError(f"text() takes a str of SQL, got {type(sql).__name__}")
        values = dict(values or {})
        names = scan(sql, True).names
        unknown = sorted(set(values).difference(names))
        if unknown:
            raise CompileError(
                f"text(): values for {', '.join(unknown)} but the SQL has no such :name "
                f"(it has: {', '.join(sorted(set(names))) or 'none'})"
            )
        self.sql = sql
        self.values = values
        params = tuple(values[n] if n in values else BindParam(n) for n in names)
        self._params = params
        self._key = ("text", sql, tuple(n in values for n in names))

    def bindparams(self, values: Mapping[str, Any] | None = None, /, **named: Any) -> TextClause:
        """The same SQL with values for its ``:name`` placeholders."""
        merged = dict(self.values)
        merged.update(values or {})
        merged.update(named)
        return TextClause(self.sql, merged)

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        return self._key, self._params

    def _is_read(self) -> bool:
        return sql_is_read(self.sql)

    def _render(self, w: SQLWriter) -> None:
        chunks = scan(self.sql, True).chunks
        params = self._params
        w.write(chunks[0])
        for i, chunk in enumerate(chunks[1:]):
            w.bind(params[i])
            w.write(chunk)

    def _render_stmt(self, w: SQLWriter) -> None:
        self._render(w)

    def __repr__(self) -> str:
        return f"text({self.sql!r})"


class TextFrom(FromClause):
    """Raw SQL as a FROM item: ``select_from(text("generate_series(1, 3) AS g"))``."""

    __slots__ = ("text",)
    _inferable = False

    def __init__(self, text: TextClause) -> None:
        self.text = text
        self._key = ("textfrom", text._key)
        self._params = text._params

    def _render(self, w: SQLWriter) -> None:
        self.text._render(w)


def text(sql: str, values: Mapping[str, Any] | None = None) -> TextClause:
    """Raw SQL with ``:name`` placeholders, bound from ``values`` (or at execution)."""
    return TextClause(sql, values)
