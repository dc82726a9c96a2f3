"""Background tasks: work that runs after the response has been sent.

A handler (or a dependency) that declares a ``BackgroundTasks`` parameter gets the
request's collection; the app runs it once the response is out, and only routes that
take one pay for it. A response's ``background=`` accepts the same collection or one
async function.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

from ._types import ASGIApp, Receive, Scope, Send

__all__ = [
    "Background",
    "BackgroundTasks",
    "request_background_tasks",
    "run_background",
    "with_background_tasks",
]

logger = logging.getLogger("covet.web")

Background: TypeAlias = Callable[[], Awaitable[None]]
"""What ``background=`` takes: an async function with no arguments, or a ``BackgroundTasks``."""

_current: contextvars.ContextVar[BackgroundTasks | None] = contextvars.ContextVar(
    "covet_background_tasks", default=None
)


def _name(func: Callable[..., Any]) -> str:
    return getattr(func, "__qualname__", None) or repr(func)


class BackgroundTasks:
    """Functions to call, in order, after the response has been sent.

    Declare a ``tasks: BackgroundTasks`` parameter in a handler or a dependency to get the
    request's collection (the same object everywhere in one request), or build one and
    pass it as a response's ``background=``::

        @app.post("/signup")
        async def signup(email: str, tasks: BackgroundTasks) -> dict[str, str]:
            tasks.add_task(send_welcome_email, email)
            return {"signed_up": email}

    An async function is awaited; a sync one is called directly on the event loop (keep it
    quick) unless added with :meth:`add_task_in_thread`. A task that raises is logged with
    its traceback and the next one still runs. Tasks added while the tasks run (by a task)
    run too, after the others. Running the collection consumes it, so it runs once.
    """

    __slots__ = ("_tasks",)

    def __init__(self) -> None:
        self._tasks: deque[tuple[Callable[[], Any], str]] = deque()

    def add_task(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Call ``func(*args, **kwargs)`` after the response (awaited if it is async)."""
        if not callable(func):
            raise TypeError(f"add_task() needs a function, not {type(func).__name__}")
        self._tasks.append((lambda: func(*args, **kwargs), _name(func)))

    def add_task_in_thread(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Call the sync ``func(*args, **kwargs)`` in a worker thread after the response.

        For blocking work (a synchronous SMTP client, image resizing) that would stall the
        event loop.
        """
        if not callable(func):
            raise TypeError(f"add_task_in_thread() needs a function, not {type(func).__name__}")
        if inspect.iscoroutinefunction(func):
            raise TypeError(f"{_name(func)} is async: add it with add_task()")
        self._tasks.append((lambda: asyncio.to_thread(func, *args, **kwargs), _name(func)))

    def __len__(self) -> int:
        return len(self._tasks)

    async def __call__(self) -> None:
        """Run every task in order (what the app does after the response)."""
        tasks = self._tasks
        while tasks:
            call, name = tasks.popleft()
            try:
                result = call()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("background task %s failed", name)

    def __repr__(self) -> str:
        names = ", ".join(name for _, name in self._tasks)
        return f"BackgroundTasks([{names}])"


async def run_background(background: Background) -> None:
    """Run a response's ``background``: errors are logged, never raised (the response is out)."""
    if isinstance(background, BackgroundTasks):
        await background()
        return
    try:
        result: Any = background()
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("background task %s failed", _name(background))


def request_background_tasks() -> BackgroundTasks:
    """The dependency behind ``BackgroundTasks`` parameters: the current request's tasks."""
    tasks = _current.get()
    if tasks is None:
        raise RuntimeError(
            "BackgroundTasks is only available while the app serves a route whose handler or "
            "dependencies declare it; a dependency override that adds it must be set before "
            "the app starts"
        )
    return tasks


def with_background_tasks(handler: ASGIApp) -> ASGIApp:
    """Wrap a compiled route: give it a ``BackgroundTasks`` and run them after it answered.

    If the handler raises, its response is an error and the tasks are dropped.
    """

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        tasks = BackgroundTasks()
        token = _current.set(tasks)
        try:
            await handler(scope, receive, send)
        finally:
            _current.reset(token)
        await tasks()

    return call
