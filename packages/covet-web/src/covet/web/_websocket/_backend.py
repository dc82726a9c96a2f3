"""How room messages travel: the backend protocol and the in-process backend.

A :class:`~covet.web.websockets.Broadcaster` keeps each room's members (the connections of
this process) and hands every broadcast to its backend; the backend delivers it to the
broadcaster of every process subscribed to that room, the sender's included. In one
process the in-process backend calls straight back; a cross-process backend (Redis, a
later release) carries :class:`BroadcastMessage` over the network.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["BroadcastBackend", "BroadcastMessage", "Deliver", "InProcessBackend"]


@dataclass(frozen=True, slots=True)
class BroadcastMessage:
    """One broadcast on its way to a room's members.

    ``data`` goes out as a text message if it is a ``str``, binary if ``bytes``.
    ``origin`` names the broadcaster that sent it, and ``exclude`` a connection of that
    broadcaster's process that must not receive it (the sender, for "to everyone else").
    """

    room: str
    data: str | bytes
    origin: str
    exclude: int | None = None


Deliver = Callable[[BroadcastMessage], Awaitable[None]]
"""The callback a backend calls with each message published to a subscribed room."""


class BroadcastBackend(Protocol):
    """Carries broadcasts between the processes serving an app.

    A backend serves one :class:`~covet.web.websockets.Broadcaster`, which subscribes to
    a room when its first local member joins and unsubscribes when the last one leaves.
    """

    async def subscribe(self, room: str, deliver: Deliver) -> None:
        """From now on, call ``deliver`` with every message published to ``room``."""
        ...

    async def unsubscribe(self, room: str) -> None:
        """Stop delivering ``room``'s messages to this process."""
        ...

    async def publish(self, message: BroadcastMessage) -> None:
        """Deliver ``message`` to every process subscribed to ``message.room``."""
        ...

    async def close(self) -> None:
        """Release connections and subscriptions; the backend is not used afterwards."""
        ...


class InProcessBackend:
    """Delivers broadcasts within this process: one worker, development, tests."""

    __slots__ = ("_subscribers",)

    def __init__(self) -> None:
        self._subscribers: dict[str, Deliver] = {}

    async def subscribe(self, room: str, deliver: Deliver) -> None:
        """Deliver ``room``'s messages to ``deliver``."""
        self._subscribers[room] = deliver

    async def unsubscribe(self, room: str) -> None:
        """Stop delivering ``room``'s messages."""
        self._subscribers.pop(room, None)

    async def publish(self, message: BroadcastMessage) -> None:
        """Hand ``message`` to its room's subscriber, if any."""
        deliver = self._subscribers.get(message.room)
        if deliver is not None:
            await deliver(message)

    async def close(self) -> None:
        """Forget every subscription."""
        self._subscribers.clear()
