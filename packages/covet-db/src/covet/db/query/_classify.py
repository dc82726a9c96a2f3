"""Is a raw SQL statement a read? A cheap, cached keyword check for routing.

A statement is a read when its first keyword is SELECT, VALUES, TABLE, SHOW or EXPLAIN
(without ANALYZE) — WITH counts when the rest is a read — and no keyword that writes or
locks appears outside literals and comments (INSERT, UPDATE, DELETE, MERGE, INTO, FOR
SHARE, ...). Anything unsure counts as a write, which is always safe to run on the
primary.
"""

from __future__ import annotations

import re

from ._lexer import scan

__all__ = ["sql_is_read"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_READ_FIRST = frozenset({"SELECT", "VALUES", "TABLE", "SHOW", "EXPLAIN", "WITH"})
_WRITE_WORDS = frozenset(
    {
        "INSERT", "UPDATE", "DELETE", "MERGE", "INTO", "SHARE", "COPY", "CREATE", "DROP",
        "ALTER", "TRUNCATE", "GRANT", "REVOKE", "LOCK", "CALL", "DO", "ANALYZE", "ANALYSE",
        "VACUUM", "REINDEX", "CLUSTER", "REFRESH", "NEXTVAL", "SETVAL", "PG_ADVISORY_LOCK",
        "PG_ADVISORY_XACT_LOCK", "PRAGMA", "ATTACH", "DETACH", "REPLACE", "UPSERT",
    }
)  # fmt: skip
_CACHE_SIZE = 4096
_cache: dict[str, bool] = {}


def _classify(sql: str) -> bool:
    words = [w.upper() for w in _WORD.findall(scan(sql, True).code)]
    if not words or words[0] not in _READ_FIRST:
        return False
    return not any(w in _WRITE_WORDS for w in words)


def sql_is_read(sql: str) -> bool:
    """True if ``sql`` only reads (cached per text)."""
    found = _cache.get(sql)
    if found is None:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        found = _cache[sql] = _classify(sql)
    return found
