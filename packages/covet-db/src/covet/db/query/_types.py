"""SQL type names as written in CAST and in literal(..., type_=...).

A type name is SQL text, so it is checked against a strict pattern instead of being
quoted: letters, digits, spaces and underscores, an optional ``(n)`` or ``(p, s)``, and
``[]`` for arrays; a dotted ``schema.type`` is allowed.
"""

from __future__ import annotations

import re

from ..errors import CompileError

__all__ = ["check_type_name"]

_TYPE_NAME = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?"
    r"(?: [A-Za-z_][A-Za-z0-9_]*)*"
    r"(?:\(\d+(?:, ?\d+)?\))?"
    r"(?: [A-Za-z_][A-Za-z0-9_]*)*"
    r"(?:\[\])*"
)

_PYTHON_TYPES = {
    int: "bigint",
    float: "double precision",
    str: "text",
    bool: "boolean",
    bytes: "bytea",
}


def check_type_name(type_: object) -> str:
    """``type_`` as SQL text, or CompileError if it is not a plain type name."""
    if isinstance(type_, type) and type_ in _PYTHON_TYPES:
        return _PYTHON_TYPES[type_]
    if type(type_) is not str or _TYPE_NAME.fullmatch(type_) is None:
        raise CompileError(
            f"not a SQL type name: {type_!r}; write one like 'integer', 'varchar(20)', "
            "'numeric(10, 2)', 'timestamp with time zone' or 'text[]'"
        )
    return type_
