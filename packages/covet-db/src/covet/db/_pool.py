"""The connection pool: a deque of idle connections, FIFO waiters, health and recycling.

The fast path is ``acquire_nowait()`` and ``release()``: both are plain functions (no
coroutine, no lock, one ``time.monotonic()`` each) that pop and push the idle deque. Every
other case (an idle connection to ping or recycle, growing the pool, waiting, resetting a
connection a cancelled task left mid-query) takes the slow path in ``acquire()``.

Accounting: ``_size`` counts open connections plus slots reserved for ones being opened;
a connection is either in ``_idle`` or handed out, so ``in_use == size - idle``. A slot
freed while tasks wait passes straight to the first waiter (its future resolves to
``None``: "open your own"), so the pool never exceeds ``max_size`` and waiters stay FIFO.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final

from ._drivers import DriverConnection
from .errors import ConfigurationError, DatabaseError, PoolClosed, PoolTimeout

__all__ = [
    "Pool",
    "PoolConfig",
    "PoolStats",
    "PooledConnection",
    "count_option",
    "seconds_option",
]

_log = logging.getLogger("covet.db.pool")
_monotonic = time.monotonic

#: How long a reset or graceful close may take before the connection is terminated.
_CLEANUP_TIMEOUT: Final = 5.0


@dataclass(frozen=True, slots=True)
class PoolStats:
    """A snapshot of a pool, for metrics: ``db.pool_stats()``.

    ``size`` counts open connections (and ones being opened), ``idle`` those ready to hand
    out, ``in_use`` those handed out, ``waiting`` the tasks queued for one. The ``*_total``
    counters only grow: acquires served, acquires that timed out, connections opened, and
    connections the pool closed because they were dead, too old or idle too long.
    """

    min_size: int
    max_size: int
    size: int
    idle: int
    in_use: int
    waiting: int
    acquired_total: int
    timeouts_total: int
    connects_total: int
    discarded_total: int


def seconds_option(name: str, value: object, *, minimum: float, inclusive: bool = True) -> float:
    """``value`` as seconds; ConfigurationError naming ``name`` if it is not a valid number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(
            f"{name} must be a number of seconds, got {type(value).__name__} {value!r}"
        )
    if math.isnan(value) or value < minimum or (not inclusive and value == minimum):
        bound = f">= {minimum}" if inclusive else f"> {minimum}"
        raise ConfigurationError(f"{name} must be {bound} (seconds), got {value!r}")
    return float(value)


def count_option(name: str, value: object, *, minimum: int) -> int:
    """``value`` as a count; ConfigurationError naming ``name`` if it is not a valid integer."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ConfigurationError(f"{name} must be >= {minimum}, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class PoolConfig:
    """Validated pool settings; see ``Database`` for what each one means."""

    min_size: int = 1
    max_size: int = 10
    acquire_timeout: float = 30.0
    max_lifetime: float = 3600.0
    max_idle: float = 600.0
    pre_ping: bool = False
    health_check_interval: float = 30.0
    ping_timeout: float = 10.0

    def __post_init__(self) -> None:
        count_option("min_size", self.min_size, minimum=0)
        count_option("max_size", self.max_size, minimum=1)
        if self.min_size > self.max_size:
            raise ConfigurationError(
                f"min_size ({self.min_size}) must not exceed max_size ({self.max_size})"
            )
        seconds_option("acquire_timeout", self.acquire_timeout, minimum=0, inclusive=False)
        seconds_option("max_lifetime", self.max_lifetime, minimum=0, inclusive=False)
        seconds_option("max_idle", self.max_idle, minimum=0, inclusive=False)
        seconds_option("health_check_interval", self.health_check_interval, minimum=0)
        seconds_option("ping_timeout", self.ping_timeout, minimum=0, inclusive=False)
        if not isinstance(self.pre_ping, bool):
            raise ConfigurationError(
                f"pre_ping must be True or False, got {type(self.pre_ping).__name__}"
            )


class PooledConnection:
    """A driver connection plus what the pool tracks about it.

    ``reused`` is True when it came from the idle set without a check (so a read that
    fails with ConnectionLost may be retried once); ``broken`` and ``dirty`` are set by
    whoever saw it die or saw a statement on it interrupted (cancelled mid-query).
    """

    __slots__ = ("broken", "created", "dirty", "last_ok", "raw", "recycle_at", "reused")

    def __init__(self, raw: DriverConnection, now: float, max_lifetime: float) -> None:
        self.raw = raw
        self.created = now
        self.recycle_at = now + max_lifetime
        #: When it was last known to work (released after use, or pinged).
        self.last_ok = now
        self.reused = False
        self.broken = False
        self.dirty = False


class Pool:
    """A pool of connections opened by ``connect``; one per database server."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[DriverConnection]],
        config: PoolConfig,
        *,
        description: str = "the database",
    ) -> None:
        self._connect = connect
        self._config = config
        self._description = description
        self._min_size = config.min_size
        self._max_size = config.max_size
        self._max_lifetime = config.max_lifetime
        # An idle connection unused for this long is pinged before it is handed out;
        # pre_ping makes every acquire ping (the fast path never passes this test).
        self._check_after = -1.0 if config.pre_ping else config.health_check_interval
        # Connections last known alive before this moment are pinged before use: set
        # when one is found dead, because whatever killed it (a server restart) likely
        # killed its idle siblings too.
        self._suspect_before = -math.inf
        self._idle: deque[PooledConnection] = deque()
        self._waiters: deque[asyncio.Future[PooledConnection | None]] = deque()
        self._all: set[PooledConnection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._size = 0
        self._closed = False
        self._opened = False
        self._drained = asyncio.Event()
        self._maintenance: asyncio.Task[None] | None = None
        self._acquired_total = 0
        self._timeouts_total = 0
        self._connects_total = 0
        self._discarded_total = 0

    # -- life cycle -------------------------------------------------------------------

    async def open(self) -> None:
        """Open ``min_size`` connections; on failure close them and raise the error."""
        if self._opened:
            return
        count = self._min_size
        self._size += count
        results = await asyncio.gather(
            *(self._new_connection() for _ in range(count)), return_exceptions=True
        )
        opened = [r for r in results if isinstance(r, PooledConnection)]
        failures = [r for r in results if not isinstance(r, PooledConnection)]
        if failures:
            self._size -= count
            for held in opened:
                self._all.discard(held)
                held.raw.terminate()
            raise failures[0]
        self._idle.extend(opened)
        self._opened = True
        self._maintenance = asyncio.get_running_loop().create_task(self._maintain())

    @property
    def closed(self) -> bool:
        """True once ``close()`` has begun."""
        return self._closed

    async def close(self, grace: float) -> None:
        """Refuse new acquires, wait up to ``grace`` seconds for in-use ones, then terminate.

        Tasks waiting for a connection get PoolClosed at once; idle connections close
        now; a connection still in use after ``grace`` is terminated, so whatever ran
        on it fails with ConnectionLost.
        """
        if self._closed:
            await self._drained.wait()
            return
        self._closed = True
        if self._maintenance is not None:
            self._maintenance.cancel()
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_exception(self._closed_error())
        idle = list(self._idle)
        self._idle.clear()
        for held in idle:
            self._all.discard(held)
        self._size -= len(idle)
        await asyncio.gather(*(self._close_gracefully(held.raw) for held in idle))
        if self._size > 0:
            try:
                async with asyncio.timeout(grace):
                    await self._drained.wait()
            except TimeoutError:
                stuck = list(self._all)
                for held in stuck:
                    held.broken = True
                    held.raw.terminate()
                # close() after terminate() only waits for the driver's own cleanup (the
                # SQLite worker thread), so nothing posts to this loop after it is gone.
                await asyncio.gather(*(self._close_gracefully(held.raw) for held in stuck))
        tasks = [t for t in (*self._tasks, self._maintenance) if t is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        self._drained.set()

    # -- acquire ----------------------------------------------------------------------

    def acquire_nowait(self) -> PooledConnection | None:
        """An idle connection that needs no check, or None (then ``await acquire()``)."""
        idle = self._idle
        if idle:
            held = idle[-1]
            now = _monotonic()
            last_ok = held.last_ok
            if (
                now < held.recycle_at
                and now - last_ok < self._check_after
                and last_ok > self._suspect_before
            ):
                idle.pop()
                held.reused = True
                self._acquired_total += 1
                return held
        return None

    async def acquire(self) -> PooledConnection:
        """A connection: idle (checked if due), newly opened, or released by another task.

        Raises PoolTimeout after ``acquire_timeout`` when all ``max_size`` connections stay
        busy, PoolClosed once the pool is closing.
        """
        if self._closed:
            raise self._closed_error()
        held = self.acquire_nowait()
        if held is not None:
            return held
        idle = self._idle
        while idle:
            held = idle.pop()
            if await self._check(held):
                self._acquired_total += 1
                return held
        if self._size < self._max_size:
            self._size += 1
            return await self._open_reserved()
        got = await self._wait()
        if got is None:
            return await self._open_reserved()
        got.reused = True
        self._acquired_total += 1
        return got

    async def _check(self, held: PooledConnection) -> bool:
        """Make sure an idle connection may be handed out; discard it if not."""
        now = _monotonic()
        if now >= held.recycle_at:
            self._discard(held, dead=False)
            return False
        last_ok = held.last_ok
        if now - last_ok < self._check_after and last_ok > self._suspect_before:
            held.reused = True
            return True
        try:
            async with asyncio.timeout(self._config.ping_timeout):
                await held.raw.ping()
        except (DatabaseError, TimeoutError):
            self._discard(held, dead=True)
            return False
        except BaseException:
            # Cancelled mid-ping: the protocol state is unknown.
            self._discard(held, dead=True)
            raise
        held.last_ok = _monotonic()
        held.reused = False
        return True

    async def _new_connection(self) -> PooledConnection:
        raw = await self._connect()
        held = PooledConnection(raw, _monotonic(), self._max_lifetime)
        self._all.add(held)
        self._connects_total += 1
        return held

    async def _open_reserved(self) -> PooledConnection:
        """Open a connection in a slot the caller already counted in ``_size``."""
        try:
            held = await self._new_connection()
        except BaseException:
            self._free_slot()
            raise
        if self._closed:
            self._all.discard(held)
            self._free_slot()
            held.raw.terminate()
            raise self._closed_error()
        self._acquired_total += 1
        return held

    async def _wait(self) -> PooledConnection | None:
        """Queue for a released connection (or a freed slot: None), FIFO."""
        fut: asyncio.Future[PooledConnection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        timeout = self._config.acquire_timeout
        try:
            async with asyncio.timeout(timeout):
                return await fut
        except BaseException as exc:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                if isinstance(exc, TimeoutError):
                    return fut.result()  # served at the last moment: take it
                # Cancelled just as we were served: pass it on so neither the
                # connection nor the slot leaks.
                self._give_back(fut.result())
            else:
                fut.cancel()
                with contextlib.suppress(ValueError):
                    self._waiters.remove(fut)
            if isinstance(exc, TimeoutError):
                self._timeouts_total += 1
                raise PoolTimeout(
                    f"no connection to {self._description} became free within "
                    f"{timeout:g}s: all max_size={self._max_size} connections are in use "
                    f"and {len(self._waiters)} other task(s) are waiting; raise max_size or "
                    "acquire_timeout, or hold connections for shorter"
                ) from None
            raise

    def _give_back(self, got: PooledConnection | None) -> None:
        if got is None:
            self._free_slot()
        else:
            self._put_idle(got)

    # -- release ----------------------------------------------------------------------

    def release(self, held: PooledConnection) -> None:
        """Return a connection: to a waiter, to the idle set, or closed if unfit.

        A connection that died is terminated; one left in a transaction or interrupted
        mid-statement is reset (in the background) or terminated, never handed out as is.
        """
        if held.broken or held.dirty or not held.raw.is_idle():
            if held.broken or held.raw.is_closed():
                self._discard(held, dead=True)
            else:
                self._spawn(self._reset(held))
            return
        now = _monotonic()
        if now >= held.recycle_at or self._closed:
            self._discard(held, dead=False)
        else:
            held.last_ok = now
            if self._waiters:
                self._put_idle(held)
            else:
                self._idle.append(held)

    def _put_idle(self, held: PooledConnection) -> None:
        waiters = self._waiters
        while waiters:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(held)
                return
        if self._closed:
            self._discard(held, dead=False)
        else:
            self._idle.append(held)

    async def _reset(self, held: PooledConnection) -> None:
        raw = held.raw
        try:
            async with asyncio.timeout(_CLEANUP_TIMEOUT):
                await raw.reset()
                if held.dirty:
                    # An interrupted statement may leave the protocol mid-exchange; a
                    # round trip proves the connection is usable again.
                    await raw.ping()
        except BaseException:
            self._discard(held, dead=True)
            return
        if raw.in_transaction:
            self._discard(held, dead=True)
            return
        held.dirty = False
        self.release(held)

    def _discard(self, held: PooledConnection, *, dead: bool) -> None:
        """Close a connection for good and free its slot."""
        self._all.discard(held)
        if not self._closed:
            self._discarded_total += 1
        if dead:
            held.raw.terminate()
            self._suspect_before = _monotonic()
        else:
            self._spawn(self._close_gracefully(held.raw))
        self._free_slot()

    def _free_slot(self) -> None:
        waiters = self._waiters
        while waiters:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                return
        self._size -= 1
        if self._closed and self._size <= 0:
            self._drained.set()

    # -- background work --------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _close_gracefully(raw: DriverConnection) -> None:
        try:
            async with asyncio.timeout(_CLEANUP_TIMEOUT):
                await raw.close()
        except (Exception, asyncio.CancelledError) as exc:
            raw.terminate()
            if isinstance(exc, asyncio.CancelledError):
                raise

    async def _maintain(self) -> None:
        """Every little while: close expired and long-idle connections, refill to min_size."""
        config = self._config
        period = min(30.0, max(0.01, min(config.max_idle, config.max_lifetime) / 4))
        while not self._closed:
            await asyncio.sleep(period)
            now = _monotonic()
            for held in [h for h in self._idle if now >= h.recycle_at]:
                self._idle.remove(held)
                self._discard(held, dead=False)
            idle = self._idle
            while idle and self._size > self._min_size and now - idle[0].last_ok > config.max_idle:
                self._discard(idle.popleft(), dead=False)
            while self._size < self._min_size and not self._closed and not self._waiters:
                self._size += 1
                try:
                    held = await self._new_connection()
                except Exception as exc:  # the server may be down; acquire will report it
                    self._free_slot()
                    _log.warning("could not refill the pool for %s: %s", self._description, exc)
                    break
                self._put_idle(held)  # closes it if the pool closed meanwhile

    # -- introspection ----------------------------------------------------------------

    def stats(self) -> PoolStats:
        """A snapshot of sizes and counters."""
        size = max(self._size, 0)
        idle = len(self._idle)
        return PoolStats(
            min_size=self._min_size,
            max_size=self._max_size,
            size=size,
            idle=idle,
            in_use=size - idle,
            waiting=sum(1 for fut in self._waiters if not fut.done()),
            acquired_total=self._acquired_total,
            timeouts_total=self._timeouts_total,
            connects_total=self._connects_total,
            discarded_total=self._discarded_total,
        )

    def _closed_error(self) -> PoolClosed:
        return PoolClosed(
            f"the connection pool for {self._description} is closed; "
            "call await db.connect() to open it again"
        )
