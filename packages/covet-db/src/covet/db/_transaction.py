"""Transactions: a context manager (nested blocks become savepoints) and a decorator.

``async with db.transaction():`` binds its connection to the current task through the
Database's ContextVar, so ``db.fetch_*``/``db.execute`` called by code inside the block
(however deep) run in the transaction without a connection being passed around. The
binding remembers the task that made it: a task created inside the block copies the
context but runs its statements on a pooled connection of its own, outside the
transaction, so concurrent tasks never interleave statements on one connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from enum import StrEnum
from types import TracebackType
from typing import Any, ParamSpec, Protocol, TypeVar

from ._connection import Binding, Connection, guarded
from ._pool import Pool, PooledConnection
from ._retry import check_retry_options, run_with_retries
from ._routing import READONLY_TRANSACTION, TRANSACTION, Intent
from .errors import ConfigurationError, DatabaseError, QueryError, TransactionError

__all__ = ["IsolationLevel", "Transaction", "TransactionHost", "parse_isolation"]

P = ParamSpec("P")
T = TypeVar("T")


class IsolationLevel(StrEnum):
    """Transaction isolation levels; ``db.transaction(isolation=...)`` also takes the strings."""

    READ_UNCOMMITTED = "read_uncommitted"
    READ_COMMITTED = "read_committed"
    REPEATABLE_READ = "repeatable_read"
    SERIALIZABLE = "serializable"


_ISOLATION_NAMES = ", ".join(repr(level.value) for level in IsolationLevel)


def parse_isolation(value: object) -> IsolationLevel | None:
    """An IsolationLevel from a level or its name ("serializable", "REPEATABLE READ")."""
    if value is None or isinstance(value, IsolationLevel):
        return value
    if callable(value):
        raise TypeError(
            "db.transaction must be called to be used as a decorator: "
            "write @db.transaction() or @db.transaction(retries=3)"
        )
    if not isinstance(value, str):
        raise TypeError(
            f"isolation must be a str or IsolationLevel, got {type(value).__name__}; "
            f"accepted: {_ISOLATION_NAMES}"
        )
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return IsolationLevel(key)
    except ValueError:
        raise ConfigurationError(
            f"unknown isolation level {value!r}; accepted: {_ISOLATION_NAMES}"
        ) from None


class TransactionHost(Protocol):
    """What a transaction needs from its Database."""

    @property
    def dialect(self) -> str: ...

    _bound: ContextVar[Binding | None]
    _has_bound: bool

    def _owned_binding(self) -> Binding | None: ...

    async def _acquire(self, intent: Intent) -> tuple[Pool, PooledConnection]: ...

    def _connection_for(self, held: PooledConnection) -> Connection: ...


_NEW, _ACTIVE, _DONE = 0, 1, 2

_REFUSED = (
    "this transaction was rolled back with tx.rollback(); statements after that inside the "
    "same block are refused: start a new 'async with db.transaction()' to continue"
)


class Transaction:
    """A transaction block from ``db.transaction()``: ``async with`` it, or decorate with it.

    Leaving the block commits; an exception rolls back and propagates. Inside another
    transaction of the same task the block is a SAVEPOINT: an exception rolls back to it
    and the outer transaction carries on. With ``prepare="gid"`` (PostgreSQL) success runs
    PREPARE TRANSACTION instead of COMMIT; finish with ``db.commit_prepared("gid")``.
    """

    __slots__ = (
        "_binding",
        "_connection",
        "_deferrable",
        "_host",
        "_isolation",
        "_level",
        "_pool",
        "_prepare",
        "_readonly",
        "_retry",
        "_rolled_back",
        "_savepoint",
        "_state",
        "_token",
    )

    def __init__(
        self,
        host: TransactionHost,
        *,
        isolation: IsolationLevel | str | None = None,
        readonly: bool = False,
        deferrable: bool = False,
        prepare: str | None = None,
        retries: int | None = None,
        backoff: float = 0.05,
        max_backoff: float = 2.0,
    ) -> None:
        self._host = host
        self._isolation = parse_isolation(isolation)
        for name, flag in (("readonly", readonly), ("deferrable", deferrable)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False, got {type(flag).__name__}")
        self._readonly = readonly
        self._deferrable = deferrable
        if prepare is not None and (
            not isinstance(prepare, str) or not prepare or len(prepare) > 200
        ):
            raise ConfigurationError(
                f"prepare must be a transaction id of 1 to 200 characters, got {prepare!r}"
            )
        self._prepare = prepare
        if retries is not None:
            check_retry_options(retries, backoff, max_backoff)
        self._retry = (retries, backoff, max_backoff)
        self._state = _NEW
        self._binding: Binding | None = None
        self._pool: Pool | None = None
        self._token: Token[Binding | None] | None = None
        self._savepoint: str | None = None
        self._level = 0
        self._rolled_back = False
        self._connection: Connection | None = None

    # -- the block --------------------------------------------------------------------

    async def __aenter__(self) -> Transaction:
        if self._state != _NEW:
            raise TransactionError(
                "this transaction block was already used; call db.transaction() again"
            )
        if self._retry[0] is not None:
            raise TransactionError(
                "retries= works only where the whole unit of work can run again: use the "
                "decorator form (@db.transaction(retries=3)) or db.run_transaction(fn, "
                "retries=3); an 'async with' block cannot be re-run"
            )
        host = self._host
        binding = host._owned_binding()
        if binding is not None and binding.in_transaction:
            await self._enter_savepoint(binding)
        else:
            await self._begin(host, binding)
        self._state = _ACTIVE
        return self

    async def _enter_savepoint(self, binding: Binding) -> None:
        if self._isolation or self._readonly or self._deferrable or self._prepare:
            raise TransactionError(
                "isolation, readonly, deferrable and prepare apply to the outermost "
                "transaction only; this block is nested in another transaction of the same "
                "task, where it becomes a SAVEPOINT"
            )
        if binding.refusal is not None:
            raise TransactionError(binding.refusal)
        binding.savepoints += 1
        name = f"covet_sp_{binding.savepoints}"
        await guarded(binding.held, binding.held.raw.savepoint(name))
        binding.depth += 1
        self._level = binding.depth
        self._savepoint = name
        self._binding = binding

    async def _begin(self, host: TransactionHost, pinned: Binding | None) -> None:
        if self._prepare is not None and host.dialect != "postgresql":
            raise TransactionError(
                f"two-phase commit (prepare={self._prepare!r}) needs PostgreSQL's PREPARE "
                f"TRANSACTION; {host.dialect} has no equivalent"
            )
        if pinned is not None:
            # A connection pinned by db.connection(): the transaction runs on it.
            binding, pool = pinned, None
        else:
            intent = READONLY_TRANSACTION if self._readonly else TRANSACTION
            pool, held = await host._acquire(intent)
            binding = Binding(held, asyncio.current_task())
        held = binding.held
        try:
            await guarded(
                held,
                held.raw.begin(
                    isolation=None if self._isolation is None else self._isolation.value,
                    readonly=self._readonly,
                    deferrable=self._deferrable,
                ),
            )
        except BaseException:
            if pool is not None:
                pool.release(held)
            raise
        binding.in_transaction = True
        binding.depth = 1
        self._level = 1
        self._binding = binding
        self._pool = pool
        if pool is not None:
            host._has_bound = True
            self._token = host._bound.set(binding)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        binding = self._binding
        assert binding is not None
        self._state = _DONE
        if self._connection is not None:
            self._connection._invalidate()
        if self._savepoint is not None:
            try:
                if not self._rolled_back:
                    await self._end_savepoint(binding, self._savepoint, exc)
            finally:
                binding.depth -= 1
                binding.refusal = None
            return
        try:
            if self._rolled_back:
                pass
            elif exc is None:
                await self._commit(binding.held)
            else:
                await _rollback_quietly(binding.held, exc)
        finally:
            binding.in_transaction = False
            binding.depth = 0
            binding.refusal = None
            if self._token is not None:
                # ValueError: exited in another context (an async generator finalized
                # elsewhere); the binding is harmless there once its block has ended.
                with contextlib.suppress(ValueError, RuntimeError):
                    self._host._bound.reset(self._token)
            if self._pool is not None:
                self._pool.release(binding.held)

    async def _end_savepoint(self, binding: Binding, name: str, exc: BaseException | None) -> None:
        held = binding.held
        if exc is None:
            await guarded(held, held.raw.release_savepoint(name))
            return
        if held.broken or held.raw.is_closed():
            return
        try:
            await guarded(held, held.raw.rollback_to_savepoint(name))
            await guarded(held, held.raw.release_savepoint(name))
        except DatabaseError as error:
            exc.add_note(f"covet-db: rolling back to savepoint {name} also failed: {error}")

    async def _commit(self, held: PooledConnection) -> None:
        raw = held.raw
        if self._prepare is None:
            await guarded(held, raw.commit())
            return
        try:
            await guarded(held, raw.prepare_transaction(self._prepare))
        except QueryError as exc:
            if exc.sqlstate == "55000" or "prepared transactions are disabled" in str(exc):
                raise TransactionError(
                    f"PREPARE TRANSACTION {self._prepare!r} failed: this PostgreSQL server "
                    "has prepared transactions disabled (max_prepared_transactions = 0). "
                    "Set max_prepared_transactions above 0 in postgresql.conf and restart "
                    "the server to use two-phase commit. The transaction was rolled back."
                ) from exc
            raise

    # -- inside the block -------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        """The transaction's connection, with the statement methods of ``Database``."""
        if self._state != _ACTIVE or self._binding is None:
            raise TransactionError("tx.connection is available only inside the transaction's block")
        if self._rolled_back:
            raise TransactionError(_REFUSED)
        if self._connection is None:
            self._connection = self._host._connection_for(self._binding.held)
        return self._connection

    @property
    def is_savepoint(self) -> bool:
        """True when this block is nested in another transaction (a SAVEPOINT)."""
        return self._savepoint is not None

    @property
    def isolation(self) -> IsolationLevel | None:
        """The isolation level asked for, or None for the server's default."""
        return self._isolation

    async def rollback(self) -> None:
        """Roll back now; the block then ends without committing (further statements fail)."""
        binding = self._binding
        if self._state != _ACTIVE or binding is None:
            raise TransactionError("tx.rollback() works only inside the transaction's block")
        if self._rolled_back:
            return
        if binding.depth != self._level:
            raise TransactionError(
                "a nested transaction (savepoint) inside this one is still open: roll that "
                "one back, or let its block end first"
            )
        held = binding.held
        if self._savepoint is not None:
            await guarded(held, held.raw.rollback_to_savepoint(self._savepoint))
            await guarded(held, held.raw.release_savepoint(self._savepoint))
        else:
            await guarded(held, held.raw.rollback())
        self._rolled_back = True
        binding.refusal = _REFUSED
        if self._connection is not None:
            self._connection._invalidate()

    # -- the decorator ----------------------------------------------------------------

    def __call__(self, fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        """Run ``fn`` in a new transaction per call, re-running it on a conflict if asked."""
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"@db.transaction() decorates async functions; {fn!r} is not one")
        host = self._host
        retries, backoff, max_backoff = self._retry
        options: dict[str, Any] = {
            "isolation": self._isolation,
            "readonly": self._readonly,
            "deferrable": self._deferrable,
            "prepare": self._prepare,
        }

        def begin() -> Transaction:
            return Transaction(host, **options)

        @functools.wraps(fn)
        async def run_in_transaction(*args: P.args, **kwargs: P.kwargs) -> T:
            if retries:
                refuse_retries_inside_transaction(host)
            return await run_with_retries(
                begin,
                fn,
                args,
                kwargs,
                retries=retries or 0,
                backoff=backoff,
                max_backoff=max_backoff,
            )

        return run_in_transaction


def refuse_retries_inside_transaction(host: TransactionHost) -> None:
    """Retrying needs the outermost transaction: a conflict aborts all of it."""
    binding = host._owned_binding()
    if binding is not None and binding.in_transaction:
        raise TransactionError(
            "a retrying transaction cannot run inside another transaction: a conflict "
            "aborts the whole outer transaction, so only the outermost one can be re-run. "
            "Put retries= on the outermost transaction, or call this outside it"
        )


async def _rollback_quietly(held: PooledConnection, exc: BaseException) -> None:
    """Roll back after ``exc``; a failing rollback must not hide ``exc``."""
    if held.broken or held.raw.is_closed():
        # The connection died: the server rolled the transaction back itself.
        held.broken = True
        return
    try:
        await guarded(held, held.raw.rollback())
    except DatabaseError as error:
        held.broken = True
        exc.add_note(f"covet-db: rolling back also failed: {error}")
