"""The ASGI lifespan protocol, and the app's start-up and shutdown sequence.

Start-up enters the ``lifespan`` context manager (whatever it yields, a mapping, goes into
``app.state`` and the server's lifespan state, which every request's ``request.state``
starts from), then runs the ``on_startup`` hooks; shutdown runs the ``on_shutdown`` hooks,
then leaves the context manager. An error during start-up is reported to the server as
``lifespan.startup.failed`` with its message, so the server refuses to start.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any, TypeAlias

from ._types import Receive, Scope, Send

__all__ = ["Hook", "Lifespan", "run_lifespan_protocol", "startup_sequence"]

logger = logging.getLogger("covet.web")

Lifespan: TypeAlias = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]
Hook: TypeAlias = Callable[[], Awaitable[None] | None]


async def _call_hook(hook: Hook) -> None:
    result = hook()
    if inspect.isawaitable(result):
        await result


@asynccontextmanager
async def startup_sequence(
    app: Any,
    lifespan: Lifespan | None,
    on_startup: Sequence[Hook],
    on_shutdown: Sequence[Hook],
    sub_apps: Sequence[Any],
    state: dict[str, Any] | None,
) -> AsyncIterator[None]:
    """Start ``app`` (its lifespan, hooks and mounted Covet apps); stop it on exit."""
    async with AsyncExitStack() as stack:
        if lifespan is not None:
            values = await stack.enter_async_context(lifespan(app))
            if values is not None:
                if not isinstance(values, Mapping):
                    raise TypeError(
                        f"the lifespan yielded {type(values).__name__}; yield a mapping or None"
                    )
                for key, value in values.items():
                    setattr(app.state, key, value)
                if state is not None:
                    state.update(values)
        for hook in on_startup:
            await _call_hook(hook)

        async def shutdown() -> None:
            for hook in on_shutdown:
                await _call_hook(hook)

        stack.push_async_callback(shutdown)
        for sub_app in sub_apps:
            await stack.enter_async_context(sub_app.lifespan_context(state))
        yield


async def run_lifespan_protocol(
    context: Callable[[dict[str, Any] | None], AbstractAsyncContextManager[None]],
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    """Speak the ASGI lifespan protocol around ``context(state)``."""
    message = await receive()
    if message["type"] != "lifespan.startup":
        return
    manager = context(scope.get("state"))
    try:
        await manager.__aenter__()
    except Exception as exc:
        logger.exception("application start-up failed")
        await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    try:
        await manager.__aexit__(None, None, None)
    except Exception as exc:
        logger.exception("application shutdown failed")
        await send({"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.shutdown.complete"})
