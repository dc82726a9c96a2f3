"""Helpers the fault tests share: URLs per driver, unique names, pool and backend checks."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

__all__ = [
    "assert_pool_sane",
    "close_quietly",
    "hold_every_connection",
    "unique_name",
    "wait_until_gone",
    "with_driver",
]


def with_driver(url: str, driver: str, *, search_path: str | None = None) -> str:
    """``url`` (asyncpg form) with the scheme for ``driver`` and optionally a search_path."""
    rest = url.split("://", 1)[1]
    scheme = "postgresql+psycopg" if driver == "psycopg" else "postgresql"
    if search_path is not None:
        rest += ("&" if "?" in rest else "?") + f"search_path={search_path}"
    return f"{scheme}://{rest}"


def unique_name(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def assert_pool_sane(db: Any, *, max_size: int) -> None:
    """At rest: nothing in use, nobody waiting, the counts add up."""
    stats = db.pool_stats()
    assert stats.max_size == max_size, stats
    assert stats.in_use == 0, stats
    assert stats.waiting == 0, stats
    assert 0 <= stats.size <= max_size, stats
    assert stats.idle + stats.in_use == stats.size, stats


async def wait_until_gone(
    admin: asyncpg.Connection, pid: int, *, terminate_after: float = 0.5, give_up: float = 5.0
) -> None:
    """Wait until backend ``pid`` has ended on the server; terminate it if it lingers."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    terminated = False
    while await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
        if loop.time() > started + give_up:
            raise AssertionError(f"backend {pid} still alive after {give_up}s")
        if not terminated and loop.time() > started + terminate_after:
            # A backend busy in a statement only notices its client vanished at the end.
            await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
            terminated = True
        await asyncio.sleep(0.02)


async def close_quietly(conn: asyncpg.Connection) -> None:
    """Close ``conn``; if the server went away under it, just drop the socket."""
    try:
        await asyncio.wait_for(conn.close(), timeout=2.0)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        conn.terminate()


async def hold_every_connection(db: Any, size: int) -> list[int]:
    """Run ``size`` reads at once, so each holds its own pooled connection; their pids."""
    pids = await asyncio.gather(
        *(db.fetch_val("SELECT pg_backend_pid() FROM pg_sleep(0.1)") for _ in range(size))
    )
    assert len(set(pids)) == size, pids
    return [int(pid) for pid in pids]
