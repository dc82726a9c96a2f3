"""Selects used as FROM items: subqueries (``(SELECT ...) AS "s"``) and CTEs (``WITH``)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from ..errors import CompileError
from ._base import SelectBase
from ._dialect import quote_identifier
from ._from import Column, ColumnCollection, FromClause
from ._schema import _check_name
from ._writer import SQLWriter

__all__ = ["CTE", "Subquery"]


class Subquery(FromClause):
    """``(SELECT ...) AS "name"``; its columns are ``sub.c.<name>``."""

    __slots__ = ("c", "name", "select")

    def __init__(self, select: SelectBase, name: str) -> None:
        self.name = _check_name("subquery", name)
        key, self._params = select._shape()
        self._key = ("sub", name, key)
        self.select = select
        self.c = ColumnCollection(self, _names(select))

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_") or name in ("c", "name", "select"):
            raise AttributeError(name)
        return self.c.__getattr__(name)

    def _qual_key(self) -> str:
        return "S" + quote_identifier(self.name)

    def _render_qualifier(self, w: SQLWriter) -> None:
        w.ident(self.name)

    def _render(self, w: SQLWriter) -> None:
        self.select._render(w)
        w.write(" AS ")
        w.ident(self.name)

    def __repr__(self) -> str:
        return f"subquery({self.name!r})"


def _names(select: SelectBase) -> tuple[str, ...] | None:
    names = select._column_names()
    # A select list with an unnamed expression leaves the names open.
    return None if names is None else tuple(dict.fromkeys(names))


class CTE(FromClause):
    """A common table expression: declared with ``stmt.with_(cte)``, read like a table.

    ``recursive=True`` makes ``WITH RECURSIVE``; build the recursive part with
    ``cte.union_all(select(...).join(cte, ...))``.
    """

    __slots__ = ("body", "c", "name", "recursive")

    _key: str

    def __init__(self, body: SelectBase, name: str, recursive: bool = False) -> None:
        self.name = _check_name("CTE", name)
        self.body = body
        self.recursive = bool(recursive)
        self._key = "W" + quote_identifier(name)
        self._params = ()
        self.c = ColumnCollection(self, _names(body))

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_") or name in ("c", "name", "body", "recursive"):
            raise AttributeError(name)
        return self.c.__getattr__(name)

    def union_all(self, other: SelectBase) -> CTE:
        """This CTE with ``UNION ALL other`` appended (the recursive part)."""
        return CTE(self.body.union_all(other), self.name, self.recursive)

    def union(self, other: SelectBase) -> CTE:
        """This CTE with ``UNION other`` appended."""
        return CTE(self.body.union(other), self.name, self.recursive)

    def _qual_key(self) -> str:
        return self._key

    def _definition(self) -> tuple[Hashable, tuple[Any, ...]]:
        key, params = self.body._shape()
        return ("with", self.name, self.recursive, key), params

    def _render_definition(self, w: SQLWriter) -> None:
        w.ident(self.name)
        w.write(" AS ")
        self.body._render(w)

    def _render_qualifier(self, w: SQLWriter) -> None:
        w.ident(self.name)

    def _render(self, w: SQLWriter) -> None:
        if self.name not in w.ctes:
            raise CompileError(
                f"CTE {self.name!r} is used but not declared: add .with_({self.name}) "
                "to the statement that reads it"
            )
        w.ident(self.name)

    def __repr__(self) -> str:
        return f"cte({self.name!r})"
