"""Driving an app's ASGI lifespan from a test client, as a server would."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from .._types import ASGIApp, Message
from ..errors import WebError

__all__ = ["LifespanDriver", "LifespanFailed"]


class LifespanFailed(WebError, RuntimeError):
    """The app reported ``lifespan.startup.failed`` or ``lifespan.shutdown.failed``."""


class LifespanDriver:
    """Sends ``lifespan.startup`` and ``lifespan.shutdown`` and waits for the answers.

    ``state`` is the lifespan state (what each request's ``scope["state"]`` is copied
    from); an app that does not speak the lifespan protocol is simply not started.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self._task: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[Message] | None = None
        self._from_app: asyncio.Queue[Message] | None = None

    async def _run(self) -> None:
        assert self._to_app is not None and self._from_app is not None
        to_app, from_app = self._to_app, self._from_app
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        await self.app(scope, to_app.get, from_app.put)

    async def _answer(self) -> Message | None:
        assert self._task is not None and self._from_app is not None
        getter = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait({getter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            return getter.result()
        getter.cancel()
        return None

    async def startup(self) -> None:
        """Start the app; raise :class:`LifespanFailed` if it refuses."""
        self._to_app, self._from_app = asyncio.Queue(), asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._to_app.put({"type": "lifespan.startup"})
        answer = await self._answer()
        if answer is None:
            # The app ended the lifespan scope without answering: it has no lifespan
            # (an exception here means "not supported", as servers treat it).
            if not self._task.cancelled():
                self._task.exception()
            self._task = None
            return
        if answer["type"] == "lifespan.startup.failed":
            await self._finish()
            raise LifespanFailed(f"application start-up failed: {answer.get('message', '')}")

    async def shutdown(self) -> None:
        """Stop the app; raise :class:`LifespanFailed` if its shutdown failed."""
        if self._task is None or self._to_app is None:
            return
        await self._to_app.put({"type": "lifespan.shutdown"})
        answer = await self._answer()
        await self._finish()
        if answer is not None and answer["type"] == "lifespan.shutdown.failed":
            raise LifespanFailed(f"application shutdown failed: {answer.get('message', '')}")

    async def _finish(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(Exception):  # reported through lifespan.*.failed
                await task
