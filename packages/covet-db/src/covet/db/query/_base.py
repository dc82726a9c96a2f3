"""The root of every query node: a shape key and a parameter tuple, fixed at construction.

Each node computes, when it is built, ``_key`` (a hashable description of the SQL it
renders to, values left out) and ``_params`` (its bound values, in the order their
placeholders appear in the SQL). Compiling a statement whose shape was seen before is
then a dict lookup plus the parameter tuple: no tree walk.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

from ._writer import SQLWriter

__all__ = [
    "P_ADD",
    "P_AND",
    "P_ATOM",
    "P_CMP",
    "P_MUL",
    "P_NEG",
    "P_NOT",
    "P_OP",
    "P_OR",
    "ClauseElement",
    "Marker",
    "SelectBase",
]

# Binding strength, loosest first. A child that binds less tightly than its parent
# needs is parenthesized.
P_OR = 10
P_AND = 20
P_NOT = 30
P_CMP = 40
P_OP = 50  # || and other operators: they differ between PostgreSQL and SQLite
P_ADD = 60
P_MUL = 70
P_NEG = 80
P_ATOM = 100


class Marker:
    """Opens a clause in a flat shape key; equal only to itself, so a key made of
    markers and the parts' keys stays unambiguous."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


class ClauseElement:
    """A piece of SQL: renders itself and knows its shape key and parameters."""

    __slots__ = ("_key", "_params")

    _prec: ClassVar[int] = P_ATOM
    _key: Hashable
    _params: tuple[Any, ...]

    def _render(self, w: SQLWriter) -> None:
        raise NotImplementedError

    def _children(self) -> tuple[ClauseElement, ...]:
        return ()

    def _from_objs(self) -> tuple[Any, ...]:
        """The FROM items this expression's columns come from (for FROM inference)."""
        found: tuple[Any, ...] = ()
        for child in self._children():
            found += child._from_objs()
        return found


class SelectBase(ClauseElement):
    """A SELECT (plain or compound): usable as a subquery, in IN, EXISTS and ANY."""

    __slots__ = ()

    def _shape(self) -> tuple[Hashable, tuple[Any, ...]]:
        """The statement's shape key and its parameters."""
        raise NotImplementedError

    def _render_stmt(self, w: SQLWriter) -> None:
        raise NotImplementedError

    def _has_tail(self) -> bool:
        """True if it has its own ORDER BY, LIMIT or OFFSET."""
        return False

    def _is_read(self) -> bool:
        """True unless the select locks rows (FOR UPDATE) or a CTE writes."""
        return True

    def _column_names(self) -> list[str] | None:
        """The names of the select list's columns, or None where one has no name."""
        raise NotImplementedError

    def union(self, other: SelectBase) -> SelectBase:
        """``this UNION other``."""
        raise NotImplementedError

    def union_all(self, other: SelectBase) -> SelectBase:
        """``this UNION ALL other``."""
        raise NotImplementedError

    def _render(self, w: SQLWriter) -> None:
        w.parts.append("(")
        self._render_stmt(w)
        w.parts.append(")")
