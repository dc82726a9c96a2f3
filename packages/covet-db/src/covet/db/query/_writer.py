"""The buffer a statement renders itself into, once per new shape and dialect.

Nodes call ``write``/``ident``/``bind``; the writer knows the dialect's spelling but
nothing about nodes, so it sits below them. Parameters are recorded in the order their
placeholders appear, which is also the order of each statement's parameter tuple.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from ._dialect import Dialect, quote_identifier

__all__ = ["Renderable", "SQLWriter"]


class Renderable(Protocol):
    """Anything that can write itself as SQL."""

    @property
    def _prec(self) -> int: ...

    def _render(self, w: SQLWriter) -> None: ...


class SQLWriter:
    """Collects SQL text and parameter slots for one compilation."""

    __slots__ = ("ctes", "dialect", "expand", "parts", "pg", "tables", "values")

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.pg = dialect.postgres
        self.parts: list[str] = []
        self.values: list[Any] = []
        # Indexes (into ``values``) of list parameters spread into one ? per item.
        self.expand: list[int] = []
        # CTE names declared by an enclosing WITH, to catch a CTE used but not declared.
        self.ctes: set[str] = set()
        # While rendering a select list: the FROM objects its columns refer to.
        self.tables: list[Any] | None = None

    def write(self, text: str) -> None:
        """Append SQL text (``%`` doubled for the "format" paramstyle)."""
        if self.dialect.percent:
            text = text.replace("%", "%%")
        self.parts.append(text)

    def ident(self, name: str) -> None:
        """Append a quoted identifier."""
        self.write(quote_identifier(name))

    def bind(self, value: Any) -> None:
        """Append a placeholder for the next parameter, ``value``."""
        self.values.append(value)
        self.parts.append(self.dialect.placeholder(len(self.values)))

    def bind_list(self, values: list[Any]) -> None:
        """Append ``(?, ?, ...)``: one list parameter spread into one slot per item.

        Only for dialects without array parameters (SQLite); the compiled SQL then
        depends on the list's length, which the cache keys on.
        """
        self.expand.append(len(self.values))
        self.values.append(values)
        self.parts.append("(" + ", ".join(["?"] * len(values)) + ")")

    def sub(self, node: Renderable, prec: int) -> None:
        """Render ``node``, in parentheses if it binds less tightly than ``prec``."""
        if node._prec < prec:
            self.parts.append("(")
            node._render(self)
            self.parts.append(")")
        else:
            node._render(self)

    def join(self, nodes: Iterable[Renderable], sep: str = ", ", prec: int = 0) -> None:
        """Render ``nodes`` separated by ``sep``."""
        first = True
        for node in nodes:
            if not first:
                self.parts.append(sep)
            first = False
            self.sub(node, prec)

    def sql(self) -> str:
        """The SQL text written so far."""
        return "".join(self.parts)
