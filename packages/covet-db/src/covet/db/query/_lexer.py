"""A small SQL lexer: finds portable ``:name`` placeholders and the code outside literals.

It skips what can hold a colon without it being a placeholder: string literals ('...'
with '' escapes, and E'...' with backslash escapes on PostgreSQL), quoted identifiers,
``--`` and ``/* */`` comments (nested on PostgreSQL), dollar-quoted strings
(``$tag$...$tag$``, PostgreSQL), ``::`` casts, and a colon right after an identifier
character (``arr[lo:hi]``). Results are cached per SQL text, so it runs once per query.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Scan", "scan"]

_SPECIAL = re.compile(r"['\"\-/$:]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$")
_CACHE_SIZE = 2048


class Scan(NamedTuple):
    """``chunks[0] :names[0] chunks[1] :names[1] ... chunks[-1]``, and the code text.

    ``code`` is the SQL with literals, quoted identifiers and comments blanked out, for
    keyword checks.
    """

    chunks: tuple[str, ...]
    names: tuple[str, ...]
    code: str


def _ident_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or ch == "$"


def _end_of_quoted(sql: str, start: int, quote: str, backslashes: bool) -> int:
    """The index after the literal opened at ``start`` (doubled quotes escape)."""
    n = len(sql)
    j = start + 1
    while j < n:
        c = sql[j]
        if backslashes and c == "\\":
            j += 2
            continue
        if c == quote:
            if j + 1 < n and sql[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return n


def _end_of_block_comment(sql: str, start: int, nested: bool) -> int:
    n = len(sql)
    depth = 1
    j = start + 2
    while j < n:
        if sql.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        elif nested and sql.startswith("/*", j):
            depth += 1
            j += 2
        else:
            j += 1
    return n


def _scan(sql: str, postgres: bool) -> Scan:
    chunks: list[str] = []
    names: list[str] = []
    code: list[str] = []
    n = len(sql)
    last = 0  # start of the current chunk
    code_from = 0  # start of the current run of code
    i = 0
    while True:
        m = _SPECIAL.search(sql, i)
        if m is None:
            break
        i = m.start()
        ch = sql[i]
        nxt = sql[i + 1] if i + 1 < n else ""
        skip_to = -1
        if ch == "'":
            backslashes = (
                postgres and i > 0 and sql[i - 1] in "eE" and (i < 2 or not _ident_char(sql[i - 2]))
            )
            skip_to = _end_of_quoted(sql, i, "'", backslashes)
        elif ch == '"':
            skip_to = _end_of_quoted(sql, i, '"', False)
        elif ch == "-" and nxt == "-":
            end = sql.find("\n", i)
            skip_to = n if end < 0 else end + 1
        elif ch == "/" and nxt == "*":
            skip_to = _end_of_block_comment(sql, i, postgres)
        elif ch == "$" and postgres and (i == 0 or not _ident_char(sql[i - 1])):
            tag = _DOLLAR_TAG.match(sql, i)
            if tag is not None:
                end = sql.find(tag.group(), tag.end())
                skip_to = n if end < 0 else end + len(tag.group())
        elif ch == ":":
            if nxt == ":":
                i += 2
                while i < n and sql[i] == ":":
                    i += 1
                continue
            if i == 0 or not _ident_char(sql[i - 1]):
                name = _NAME.match(sql, i + 1)
                if name is not None:
                    chunks.append(sql[last:i])
                    names.append(name.group())
                    last = i = name.end()
                    continue
        if skip_to >= 0:
            code.append(sql[code_from:i])
            code.append(" ")
            code_from = i = skip_to
        else:
            i += 1
    chunks.append(sql[last:])
    code.append(sql[code_from:])
    return Scan(tuple(chunks), tuple(names), "".join(code))


_cache: dict[tuple[str, bool], Scan] = {}


def scan(sql: str, postgres: bool = True) -> Scan:
    """Split ``sql`` around its ``:name`` placeholders (cached per text and dialect)."""
    key = (sql, postgres)
    found = _cache.get(key)
    if found is None:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        found = _cache[key] = _scan(sql, postgres)
    return found
