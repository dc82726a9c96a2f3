"""Where a statement goes: the one point a Database asks which pool serves a statement.

Today every Database has one pool. Read replicas and shards plug in here later as other
``Router`` implementations (a read in autocommit goes to a replica, a write or anything in
a transaction to the primary; a shard key picks the shard) without changing Database's API.
A router that sends everything to one pool says so through ``single``, and the Database
then skips classifying statements altogether: that is the hot path today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ._pool import Pool

__all__ = [
    "READ",
    "READONLY_TRANSACTION",
    "TRANSACTION",
    "WRITE",
    "Intent",
    "Router",
    "SinglePoolRouter",
]


@dataclass(frozen=True, slots=True)
class Intent:
    """What a statement (or a block of them) will do: read only, and inside a transaction."""

    read: bool
    in_transaction: bool = False


READ: Intent = Intent(read=True)
WRITE: Intent = Intent(read=False)
#: A transaction, or a connection pinned with ``db.connection()``: may write.
TRANSACTION: Intent = Intent(read=False, in_transaction=True)
READONLY_TRANSACTION: Intent = Intent(read=True, in_transaction=True)


class Router(Protocol):
    """Chooses the pool for each statement or transaction."""

    @property
    def single(self) -> Pool | None:
        """The pool every statement goes to, if there is only one; else None."""
        ...

    @property
    def primary(self) -> Pool:
        """The pool of the primary (writable) server; its stats are ``db.pool_stats()``."""
        ...

    @property
    def pools(self) -> Sequence[Pool]:
        """Every pool, to open and close them together."""
        ...

    def pool_for(self, intent: Intent) -> Pool:
        """The pool that should serve a statement or transaction with this intent."""
        ...


class SinglePoolRouter:
    """Every statement to one pool."""

    __slots__ = ("_pool",)

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    @property
    def single(self) -> Pool:
        return self._pool

    @property
    def primary(self) -> Pool:
        return self._pool

    @property
    def pools(self) -> Sequence[Pool]:
        return (self._pool,)

    def pool_for(self, intent: Intent) -> Pool:
        return self._pool
