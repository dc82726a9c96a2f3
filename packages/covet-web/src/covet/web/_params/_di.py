"""Dependency resolution: a graph built at start-up, executed level by level per request.

The declared ``dependencies=[...]`` (app, routers outer-first, route) run first, one
after the other in that order, each with its own sub-dependencies; the handler's own
parameter dependencies run last. Generator teardown is therefore in reverse order.
Within each of those stages, a node's level is one more than its deepest sub-dependency
of the same stage, so the nodes of one level are independent: sync ones are called
inline, one awaitable is awaited, and only when a level holds two or more awaitables are
they run concurrently with ``asyncio.gather``.

Generator dependencies are entered (``next``/``__anext__``) and their exit is pushed on
the request's ``AsyncExitStack``; closing the stack with an exception throws it into the
generator, so ``try/except/finally`` around ``yield`` work as written. A generator that
swallows the exception does not suppress it: the error still reaches the app.
"""

from __future__ import annotations

import asyncio
import dataclasses
import types
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator, Sequence
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

from ._analysis import CallKind

__all__ = ["DependencyNode", "DependencySolver"]

Values = dict[str, Any]


@dataclasses.dataclass(eq=False, slots=True)
class DependencyNode:
    """One dependency call in a plan: what to call, with which slots, into which slot."""

    call: Callable[..., Any]
    original: Callable[..., Any]
    """The callable the user declared (``call`` differs when overridden)."""
    kind: CallKind
    thread: bool
    slot: str
    args: tuple[tuple[str, str], ...]
    """``(keyword, slot)`` pairs: where each argument's value is in the request's values."""
    children: tuple[DependencyNode, ...]
    level: int = 0

    @property
    def awaits(self) -> bool:
        """True when running this node needs an await."""
        return self.thread or self.kind in ("async", "agen")


def _name(call: Callable[..., Any]) -> str:
    return getattr(call, "__qualname__", None) or repr(call)


class _GenExit:
    """Exit callback of a sync generator dependency (never suppresses the exception)."""

    __slots__ = ("gen", "name")

    def __init__(self, gen: Generator[Any, Any, Any], name: str) -> None:
        self.gen = gen
        self.name = name

    def __call__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        try:
            if exc is None:
                next(self.gen)
            else:
                self.gen.throw(exc)
        except StopIteration:
            return False
        except BaseException as raised:
            if raised is exc:
                return False
            raise
        raise RuntimeError(f"dependency {self.name} yielded more than once")


class _AsyncGenExit:
    """Exit callback of an async generator dependency (never suppresses the exception)."""

    __slots__ = ("gen", "name")

    def __init__(self, gen: AsyncGenerator[Any, Any], name: str) -> None:
        self.gen = gen
        self.name = name

    async def __call__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        try:
            if exc is None:
                await self.gen.__anext__()
            else:
                await self.gen.athrow(exc)
        except StopAsyncIteration:
            return False
        except BaseException as raised:
            if raised is exc:
                return False
            raise
        raise RuntimeError(f"dependency {self.name} yielded more than once")


class _ThreadGenExit:
    """Exit callback of a sync generator dependency that runs in a worker thread."""

    __slots__ = ("inner",)

    def __init__(self, inner: _GenExit) -> None:
        self.inner = inner

    async def __call__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        return await asyncio.to_thread(self.inner, exc_type, exc, tb)


def _first(gen: Generator[Any, Any, Any], name: str) -> Any:
    try:
        return next(gen)
    except StopIteration:
        raise RuntimeError(f"dependency {name} returned without yielding a value") from None


SyncRun = Callable[[Values, AsyncExitStack], None]
AsyncRun = Callable[[Values, AsyncExitStack], Coroutine[Any, Any, None]]


def _sync_runner(node: DependencyNode) -> SyncRun:
    call, slot, args, name = node.call, node.slot, node.args, _name(node.call)
    if node.kind == "gen":

        def run_gen(values: Values, stack: AsyncExitStack) -> None:
            gen = call(**{k: values[s] for k, s in args})
            values[slot] = _first(gen, name)
            stack.push(_GenExit(gen, name))

        return run_gen

    def run_sync(values: Values, stack: AsyncExitStack) -> None:
        values[slot] = call(**{k: values[s] for k, s in args})

    return run_sync


def _async_runner(node: DependencyNode) -> AsyncRun:
    call, slot, args, name = node.call, node.slot, node.args, _name(node.call)
    if node.kind == "agen":

        async def run_agen(values: Values, stack: AsyncExitStack) -> None:
            gen = call(**{k: values[s] for k, s in args})
            try:
                values[slot] = await gen.__anext__()
            except StopAsyncIteration:
                raise RuntimeError(f"dependency {name} returned without yielding a value") from None
            stack.push_async_exit(_AsyncGenExit(gen, name))

        return run_agen
    if node.kind == "async":

        async def run_async(values: Values, stack: AsyncExitStack) -> None:
            values[slot] = await call(**{k: values[s] for k, s in args})

        return run_async
    if node.kind == "gen":  # thread=True

        async def run_thread_gen(values: Values, stack: AsyncExitStack) -> None:
            gen = call(**{k: values[s] for k, s in args})
            values[slot] = await asyncio.to_thread(_first, gen, name)
            stack.push_async_exit(_ThreadGenExit(_GenExit(gen, name)))

        return run_thread_gen

    async def run_thread(values: Values, stack: AsyncExitStack) -> None:
        values[slot] = await asyncio.to_thread(call, **{k: values[s] for k, s in args})

    return run_thread


@types.coroutine
def _resume(coro: Coroutine[Any, Any, Any], yielded: Any) -> Generator[Any, Any, Any]:
    """Finish driving a coroutine that was started by hand and suspended on ``yielded``."""
    try:
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                yielded = coro.throw(exc)
            else:
                yielded = coro.send(sent)
    except StopIteration as stop:
        return stop.value


async def _finish(coro: Coroutine[Any, Any, Any], yielded: Any) -> Any:
    return await _resume(coro, yielded)


async def _concurrently(runs: tuple[AsyncRun, ...], values: Values, stack: AsyncExitStack) -> None:
    """Run independent async dependencies concurrently, paying for tasks only if needed.

    Each coroutine is started eagerly; most finish without ever suspending (nothing to
    wait for) and cost no task. Only when two or more really wait do they go to
    ``asyncio.gather``; one waiter is simply awaited.
    """
    suspended: list[tuple[Coroutine[Any, Any, Any], Any]] = []
    error: BaseException | None = None
    for run in runs:
        coro = run(values, stack)
        try:
            yielded = coro.send(None)
        except StopIteration:
            continue
        except BaseException as exc:
            error = exc
            break  # start no more siblings; the started ones still finish below
        suspended.append((coro, yielded))
    if len(suspended) == 1:
        try:
            await _resume(*suspended[0])
        except BaseException as exc:
            error = error or exc
    elif suspended:
        # return_exceptions: every sibling finishes (and registers its teardown) before
        # the first error is raised, so nothing keeps running after the request failed.
        results = await asyncio.gather(
            *(_finish(c, y) for c, y in suspended), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException) and error is None:
                error = result
    if error is not None:
        raise error


class DependencySolver:
    """Runs a plan's dependency nodes (given in dependency order) for one request.

    ``stages`` run one after the other: each declared ``dependencies=[...]`` entry (app,
    then routers outer-first, then the route) is a stage of its own, holding the nodes it
    added, and the handler's own parameter dependencies are the last stage. Within a
    stage the nodes run level by level, the independent async ones concurrently.
    """

    __slots__ = ("_levels", "has_teardown")

    def __init__(self, stages: Sequence[Sequence[DependencyNode]]) -> None:
        self._levels: list[tuple[tuple[SyncRun, ...], tuple[AsyncRun, ...]]] = []
        for nodes in stages:
            if not nodes:
                continue  # a declared dependency already added (cached) by an earlier one
            # Levels within the stage: what an earlier stage resolved is already there.
            local: dict[int, int] = {}
            for node in nodes:  # children come before their parents
                local[id(node)] = max((local.get(id(c), -1) + 1 for c in node.children), default=0)
            depth = max(local.values()) + 1
            levels: list[tuple[list[SyncRun], list[AsyncRun]]] = [([], []) for _ in range(depth)]
            for node in nodes:
                sync_runs, async_runs = levels[local[id(node)]]
                if node.awaits:
                    async_runs.append(_async_runner(node))
                else:
                    sync_runs.append(_sync_runner(node))
            self._levels.extend((tuple(s), tuple(a)) for s, a in levels if s or a)
        self.has_teardown = any(n.kind in ("gen", "agen") for nodes in stages for n in nodes)

    async def solve(self, values: Values, stack: AsyncExitStack) -> None:
        """Compute every dependency's value into ``values``."""
        for sync_runs, async_runs in self._levels:
            for run in sync_runs:
                run(values, stack)
            if len(async_runs) == 1:
                await async_runs[0](values, stack)
            elif async_runs:
                await _concurrently(async_runs, values, stack)
