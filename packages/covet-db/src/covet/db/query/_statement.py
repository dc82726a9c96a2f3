"""The base of every runnable statement: ``stmt.compile(...)`` and ``str(stmt)``."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from ..errors import CompileError
from ._base import ClauseElement
from ._cache import Compiled, compile_shape, render
from ._dialect import get_dialect
from ._writer import SQLWriter

__all__ = ["Statement"]


class Statement(ClauseElement):
    """A statement you can run: SELECT, INSERT, UPDATE, DELETE or a text() statement."""

    __slots__ = ()

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        raise NotImplementedError

    def _cache_shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        """The key the compiled-SQL cache is tried with first, and its parameters:
        the shape itself, unless a statement has a cheaper one (see ``Select``)."""
        return self._shape()

    def _render_stmt(self, w: SQLWriter) -> None:
        raise NotImplementedError

    def _is_read(self) -> bool:
        """True if the statement only reads (a replica may run it)."""
        raise NotImplementedError

    def compile(
        self,
        dialect: str = "postgresql",
        paramstyle: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Compiled:
        """The SQL and parameters for ``dialect`` ("postgresql" or "sqlite").

        ``paramstyle`` is "numeric_dollar" ($1, the default on PostgreSQL), "format"
        (%s) or "qmark" (?, SQLite); ``values`` fills ``bindparam()`` slots.
        """
        sql, params = compile_shape(self, get_dialect(dialect, paramstyle), values)
        return Compiled(sql, params)

    def __str__(self) -> str:
        try:
            sql, _ = render(self, get_dialect("postgresql"))
        except CompileError as exc:
            return f"<{type(self).__name__} that cannot compile: {exc}>"
        return sql
