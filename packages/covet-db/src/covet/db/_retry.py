"""Running a transaction again when it loses a race (serialization failure, deadlock).

A TransactionConflict means the server aborted the whole transaction and running it again
may succeed. Only the whole unit of work can be re-run, so retrying lives here, around a
function, never around a block of statements.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from .errors import ConfigurationError, TransactionConflict

__all__ = ["backoff_delay", "check_retry_options", "run_with_retries"]

T = TypeVar("T")


def check_retry_options(retries: object, backoff: object, max_backoff: object) -> None:
    """Raise ConfigurationError naming the argument when a retry option is wrong."""
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigurationError(
            f"retries must be an integer >= 0 (how many times to re-run after a conflict), "
            f"got {retries!r}"
        )
    for name, value in (("backoff", backoff), ("max_backoff", max_backoff)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise ConfigurationError(f"{name} must be a number of seconds >= 0, got {value!r}")
    assert isinstance(backoff, int | float) and isinstance(max_backoff, int | float)
    if max_backoff < backoff:
        raise ConfigurationError(
            f"max_backoff ({max_backoff}) must not be smaller than backoff ({backoff})"
        )


def backoff_delay(attempt: int, backoff: float, max_backoff: float) -> float:
    """Seconds to sleep before retry number ``attempt + 1``: exponential, with jitter.

    Half the delay is fixed and half random ("equal jitter"), so two transactions that
    collided are unlikely to collide again, and none retries at once.
    """
    delay = min(max_backoff, backoff * 2.0**attempt)
    return delay / 2 + random.uniform(0, delay / 2)


async def run_with_retries(
    begin: Callable[[], AbstractAsyncContextManager[Any]],
    fn: Callable[..., Awaitable[T]],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    *,
    retries: int,
    backoff: float,
    max_backoff: float,
) -> T:
    """Run ``fn`` inside ``begin()``; on TransactionConflict sleep and run it again.

    After ``retries`` re-runs the last conflict is raised, with a note of the attempts.
    """
    attempt = 0
    while True:
        try:
            async with begin():
                return await fn(*args, **kwargs)
        except TransactionConflict as exc:
            if attempt >= retries:
                if retries:
                    exc.add_note(f"covet-db: gave up after {attempt + 1} attempts")
                raise
            delay = backoff_delay(attempt, backoff, max_backoff)
            attempt += 1
        await asyncio.sleep(delay)
