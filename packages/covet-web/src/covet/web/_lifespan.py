"""The ASGI lifespan protocol, and the app's start-up and shutdown sequence.

Start-up enters the ``lifespan`` context manager (whatever it yields, a mapping, goes into
``app.state`` and the server's lifespan state, which every request's ``request.state``
starts from), then runs the start-up hooks in registration order, then starts mounted
Covet apps. Shutdown stops the mounted apps, runs the shutdown hooks in *reverse*
registration order (what started last stops first), then leaves the context manager.

An error during start-up is reported to the server as ``lifespan.startup.failed`` with a
message naming its source, so the server refuses to start; the shutdown hooks do not run
(the app never started) but the lifespan context is left. A failing shutdown hook is
logged with its traceback, the other hooks still run, and the server is told
``lifespan.shutdown.failed``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any, TypeAlias, TypeVar

from ._types import Receive, Scope, Send

__all__ = ["Hook", "HookList", "Lifespan", "run_lifespan_protocol", "startup_sequence"]

logger = logging.getLogger("covet.web")

Lifespan: TypeAlias = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]
Hook: TypeAlias = Callable[[], Awaitable[None] | None]
H = TypeVar("H", bound=Hook)


class HookList(list[Hook]):
    """``app.on_startup`` / ``app.on_shutdown``: a list of hooks that is also a decorator.

    ``@app.on_startup`` appends the function and returns it unchanged; ``append`` and the
    other list methods work as usual.
    """

    def __init__(self, hooks: Iterable[Hook] = ()) -> None:
        super().__init__(hooks)

    def __call__(self, hook: H) -> H:
        if not callable(hook):
            raise TypeError(f"a lifespan hook must be a function, not {type(hook).__name__}")
        self.append(hook)
        return hook


class _HookFailed(Exception):
    """A start-up or shutdown hook failed; the message says which and why."""


def _describe(hook: Hook) -> str:
    return getattr(hook, "__qualname__", None) or repr(hook)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


async def _call_hook(hook: Hook) -> None:
    result = hook()
    if inspect.isawaitable(result):
        await result


async def _run_startup(hooks: Sequence[Hook]) -> None:
    for hook in hooks:
        try:
            await _call_hook(hook)
        except Exception as exc:
            raise _HookFailed(f"start-up hook {_describe(hook)} failed: {_reason(exc)}") from exc


async def _run_shutdown(hooks: Sequence[Hook], failures: list[str]) -> None:
    # Failures are collected, not raised: the lifespan context must still be left
    # normally (code after its ``yield`` runs), and only then is the failure reported.
    for hook in reversed(list(hooks)):
        try:
            await _call_hook(hook)
        except Exception as exc:
            logger.exception("shutdown hook %s failed", _describe(hook))
            failures.append(f"shutdown hook {_describe(hook)} failed: {_reason(exc)}")


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
    failures: list[str] = []
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
        await _run_startup(list(on_startup))
        stack.push_async_callback(_run_shutdown, on_shutdown, failures)
        for sub_app in sub_apps:
            await stack.enter_async_context(sub_app.lifespan_context(state))
        yield
    if failures:
        raise _HookFailed("; ".join(failures))


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
        reason = str(exc) if isinstance(exc, _HookFailed) else _reason(exc)
        await send({"type": "lifespan.startup.failed", "message": reason})
        return
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    try:
        await manager.__aexit__(None, None, None)
    except _HookFailed as exc:
        # Each failing hook was logged with its traceback already.
        logger.error("application shutdown failed: %s", exc)
        await send({"type": "lifespan.shutdown.failed", "message": str(exc)})
        return
    except Exception as exc:
        logger.exception("application shutdown failed")
        await send({"type": "lifespan.shutdown.failed", "message": _reason(exc)})
        return
    await send({"type": "lifespan.shutdown.complete"})
