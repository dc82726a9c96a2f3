"""What the two PostgreSQL drivers share: connection settings and the SQL they send.

URL options: ``sslmode``, ``application_name`` and ``connect_timeout`` are understood;
every other option is a server setting for the session (``?search_path=app,public``).
A URL option wins over the matching ``ConnectOptions`` field, so a deployment can tune a
connection through its URL alone.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from .._url import DatabaseURL
from ..errors import ConfigurationError, ConnectionFailed, ConnectionLost, TransactionError
from ._base import ConnectOptions, Isolation

__all__ = [
    "PgTarget",
    "PgTransactionStatements",
    "begin_sql",
    "connect_failed",
    "connection_lost",
    "copy_sql",
    "pg_target",
    "quote_ident",
    "quote_literal",
    "rowcount",
]

SSL_MODES: Final = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_UNDERSTOOD: Final = frozenset({"sslmode", "application_name", "connect_timeout"})


@dataclass(frozen=True, slots=True)
class PgTarget:
    """Where and how to connect, resolved from a URL and ConnectOptions."""

    host: str | None
    port: int | None
    user: str | None
    password: str | None
    database: str | None
    sslmode: str | None
    application_name: str | None
    connect_timeout: float
    server_settings: Mapping[str, str]

    @property
    def shown_host(self) -> str:
        """The host as the library resolves it, for messages."""
        return self.host or os.environ.get("PGHOST") or "localhost"

    @property
    def shown_port(self) -> int:
        """The port as the library resolves it, for messages."""
        if self.port is not None:
            return self.port
        try:
            return int(os.environ.get("PGPORT", "5432"))
        except ValueError:
            return 5432


def pg_target(url: DatabaseURL, options: ConnectOptions) -> PgTarget:
    """Resolve the URL and options; a bad option value raises ConfigurationError."""
    url_options = url.options
    sslmode = url_options.get("sslmode")
    if sslmode is not None and sslmode not in SSL_MODES:
        raise ConfigurationError(
            f"URL option sslmode={sslmode!r} is not a PostgreSQL SSL mode; use one of: "
            f"{', '.join(SSL_MODES)}"
        )
    timeout = options.connect_timeout
    if "connect_timeout" in url_options:
        text = url_options["connect_timeout"]
        try:
            timeout = float(text)
        except ValueError:
            timeout = -1.0
        if not timeout > 0:
            raise ConfigurationError(
                f"URL option connect_timeout={text!r} must be a positive number of seconds"
            )
    settings = {k: v for k, v in url_options.items() if k not in _UNDERSTOOD}
    if options.statement_timeout is not None and "statement_timeout" not in settings:
        if options.statement_timeout < 0:
            raise ConfigurationError(
                f"statement_timeout={options.statement_timeout!r} must be >= 0 seconds "
                "(0 or None: no timeout)"
            )
        settings["statement_timeout"] = str(round(options.statement_timeout * 1000))
    return PgTarget(
        host=url.host,
        port=url.port,
        user=url.user,
        password=url.password,
        database=url.database,
        sslmode=sslmode,
        application_name=url_options.get("application_name", options.application_name),
        connect_timeout=timeout,
        server_settings=settings,
    )


def _connect_hint(exc: BaseException, reason: str, target: PgTarget) -> str:
    where = f"{target.shown_host}:{target.shown_port}"
    sqlstate = getattr(exc, "sqlstate", None)
    low = reason.lower()
    if sqlstate in ("28P01", "28000") or "authentication" in low or "password" in low:
        return "check the user name and password in the database URL"
    if sqlstate == "3D000" or ("database" in low and "does not exist" in low):
        return (
            f"create the database (createdb {target.database or '<name>'}) "
            "or fix the path of the URL"
        )
    if sqlstate == "53300" or "too many" in low:
        return (
            "the server has no connection slots left; lower the pool's max_size "
            "or raise the server's max_connections"
        )
    if sqlstate == "57P03" or "starting up" in low or "shutting down" in low:
        return "the server is starting up or shutting down; try again shortly"
    if sqlstate in ("42704", "22023") or "configuration parameter" in low:
        return (
            "URL options other than sslmode, application_name and connect_timeout are sent "
            "as server settings; check their names and values"
        )
    if isinstance(exc, socket.gaierror) or "translate host name" in low:
        return f"check the host name {target.shown_host!r} in the database URL"
    if isinstance(exc, TimeoutError) or "timeout" in low:
        return (
            f"no answer within connect_timeout={target.connect_timeout:g}s; is {where} "
            "reachable from here (network, firewall)?"
        )
    return f"is the server running and accepting TCP connections on {where}?"


def connect_failed(exc: BaseException, target: PgTarget, driver: str) -> ConnectionFailed:
    """A ConnectionFailed naming the server, the reason and what to check."""
    reason = str(exc).strip() or type(exc).__name__
    if isinstance(exc, TimeoutError) and not str(exc):
        reason = f"timed out after {target.connect_timeout:g}s"
    hint = _connect_hint(exc, reason, target)
    user = f" as {target.user!r}" if target.user else ""
    database = f" to database {target.database!r}" if target.database else ""
    return ConnectionFailed(
        f"could not connect to PostgreSQL at {target.shown_host}:{target.shown_port}{user}"
        f"{database} ({driver}): {reason}; {hint}",
        host=target.shown_host,
        port=target.shown_port,
        driver=driver,
    )


def connection_lost(reason: str, target: PgTarget, driver: str) -> ConnectionLost:
    """A ConnectionLost naming the server; the open transaction, if any, did not commit."""
    return ConnectionLost(
        f"the connection to PostgreSQL at {target.shown_host}:{target.shown_port} ({driver}) "
        f"was lost: {reason}; the statement did not complete and an open transaction was "
        "rolled back by the server (nothing of it was committed)",
        host=target.shown_host,
        port=target.shown_port,
        driver=driver,
    )


def rowcount(status: str) -> int:
    """Rows affected from a command tag: ``UPDATE 3`` -> 3, ``CREATE TABLE`` -> -1."""
    tail = status.rpartition(" ")[2]
    return int(tail) if tail.isdigit() else -1


def quote_ident(name: str) -> str:
    """Quote an identifier: ``a"b`` -> ``"a""b"``."""
    if "\x00" in name:
        raise ConfigurationError(f"an identifier cannot contain a NUL character: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A string literal that means ``text`` whatever standard_conforming_strings says."""
    if "\x00" in text:
        raise ConfigurationError(f"a PostgreSQL string cannot contain a NUL character: {text!r}")
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def copy_sql(table: str, columns: tuple[str, ...], schema: str | None) -> str:
    """``COPY "schema"."table" ("a", "b") FROM STDIN``."""
    target = quote_ident(table) if schema is None else f"{quote_ident(schema)}.{quote_ident(table)}"
    return f"COPY {target} ({', '.join(map(quote_ident, columns))}) FROM STDIN"


_ISOLATION_SQL: Final[dict[str | None, str]] = {
    None: "",
    "read_uncommitted": " ISOLATION LEVEL READ UNCOMMITTED",
    "read_committed": " ISOLATION LEVEL READ COMMITTED",
    "repeatable_read": " ISOLATION LEVEL REPEATABLE READ",
    "serializable": " ISOLATION LEVEL SERIALIZABLE",
}

# Every BEGIN statement is built once: (isolation, readonly, deferrable) -> SQL text.
_BEGIN_SQL: Final[dict[tuple[str | None, bool, bool], str]] = {
    (iso, ro, df): "BEGIN" + level + (" READ ONLY" if ro else "") + (" DEFERRABLE" if df else "")
    for iso, level in _ISOLATION_SQL.items()
    for ro in (False, True)
    for df in (False, True)
}


def begin_sql(isolation: Isolation | None, readonly: bool, deferrable: bool) -> str:
    """The BEGIN statement; an unknown isolation level raises ConfigurationError."""
    try:
        return _BEGIN_SQL[isolation, bool(readonly), bool(deferrable)]
    except (KeyError, TypeError):
        raise ConfigurationError(
            f"unknown isolation level {isolation!r}; use one of: "
            f"{', '.join(k for k in _ISOLATION_SQL if k)}"
        ) from None


class PgTransactionStatements:
    """The transaction statements, the same text on both PostgreSQL drivers.

    A driver's connection class inherits these and supplies ``_run(sql)`` (run one
    statement without parameters, return its status tag), ``in_transaction`` and
    ``is_closed()``.
    """

    __slots__ = ()

    async def _run(self, sql: str) -> str | None:
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def is_closed(self) -> bool:
        raise NotImplementedError

    async def begin(
        self,
        *,
        isolation: Isolation | None = None,
        readonly: bool = False,
        deferrable: bool = False,
    ) -> None:
        """BEGIN with the isolation level and access mode asked for."""
        await self._run(begin_sql(isolation, readonly, deferrable))

    async def commit(self) -> None:
        """COMMIT; a transaction that had already failed raises instead of rolling back quietly."""
        if await self._run("COMMIT") == "ROLLBACK":
            raise TransactionError(
                "the transaction had failed on an earlier statement, so COMMIT rolled it "
                "back: nothing was committed"
            )

    async def rollback(self) -> None:
        """ROLLBACK."""
        await self._run("ROLLBACK")

    async def savepoint(self, name: str) -> None:
        """SAVEPOINT ``name``."""
        await self._run(f"SAVEPOINT {quote_ident(name)}")

    async def release_savepoint(self, name: str) -> None:
        """RELEASE SAVEPOINT ``name``."""
        await self._run(f"RELEASE SAVEPOINT {quote_ident(name)}")

    async def rollback_to_savepoint(self, name: str) -> None:
        """ROLLBACK TO SAVEPOINT ``name``."""
        await self._run(f"ROLLBACK TO SAVEPOINT {quote_ident(name)}")

    async def prepare_transaction(self, gid: str) -> None:
        """PREPARE TRANSACTION ``gid``; the connection is then outside any transaction."""
        await self._run(f"PREPARE TRANSACTION {quote_literal(gid)}")

    async def commit_prepared(self, gid: str) -> None:
        """COMMIT PREPARED ``gid`` (from any connection to the same database)."""
        await self._run(f"COMMIT PREPARED {quote_literal(gid)}")

    async def rollback_prepared(self, gid: str) -> None:
        """ROLLBACK PREPARED ``gid``."""
        await self._run(f"ROLLBACK PREPARED {quote_literal(gid)}")

    async def ping(self) -> None:
        """A round trip; raises ConnectionLost when the connection is dead."""
        await self._run("SELECT 1")

    async def reset(self) -> None:
        """Roll back a transaction left open; a clean (or dead) connection costs no round trip."""
        if not self.is_closed() and self.in_transaction:
            await self._run("ROLLBACK")
