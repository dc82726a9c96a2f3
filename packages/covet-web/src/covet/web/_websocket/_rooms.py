"""Rooms: named groups of connections that receive the same broadcasts.

::

    chat = Broadcaster()

    @app.websocket("/rooms/{name}")
    async def room(websocket: WebSocket, name: str) -> None:
        await websocket.accept()
        lobby = chat.room(name)
        await lobby.join(websocket)
        async for text in websocket.iter_text():
            await lobby.broadcast(text, exclude=websocket)

A connection leaves its rooms when it closes, when the client disconnects, or when its
handler ends, so a room never holds a dead connection; a room with no member is forgotten.
A member whose send fails (it went away mid-broadcast) is dropped and the others still
get the message; one slow client does not hold back the rest (sends run concurrently).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator
from typing import Any

from .._encoding import current_encoder
from ._backend import BroadcastBackend, BroadcastMessage, InProcessBackend
from ._close import WebSocketState
from ._connection import WebSocket
from ._errors import WebSocketDisconnect, WebSocketStateError

__all__ = ["Broadcaster", "Room"]

logger = logging.getLogger("covet.web.websockets")


class Broadcaster:
    """The rooms of an application and the backend that carries their broadcasts.

    ``Broadcaster()`` works within one process; pass a cross-process ``backend`` to reach
    the connections of every worker. Create one per application (a module global or
    ``app.state``) and ``await broadcaster.close()`` at shutdown.
    """

    __slots__ = ("_backend", "_closed", "_lock", "_members", "_origin", "_subscribed")

    def __init__(self, backend: BroadcastBackend | None = None) -> None:
        self._backend: BroadcastBackend = backend if backend is not None else InProcessBackend()
        # Room name -> its local members; a dict is an ordered set (joining order).
        self._members: dict[str, dict[WebSocket, None]] = {}
        self._subscribed: set[str] = set()
        self._lock = asyncio.Lock()
        self._origin = secrets.token_hex(8)
        self._closed = False

    def __repr__(self) -> str:
        return f"<Broadcaster rooms={len(self._members)} backend={type(self._backend).__name__}>"

    def room(self, name: str) -> Room:
        """The room called ``name`` (cheap: a handle; the room exists while it has members)."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a room name is a non-empty str, got {name!r}")
        return Room(self, name)

    @property
    def rooms(self) -> list[str]:
        """The names of the rooms that have members in this process."""
        return list(self._members)

    def rooms_of(self, websocket: WebSocket) -> list[Room]:
        """The rooms ``websocket`` is a member of."""
        return [Room(self, name) for name, members in self._members.items() if websocket in members]

    async def close(self) -> None:
        """Empty every room and close the backend; the broadcaster cannot be used afterwards."""
        if self._closed:
            return
        self._closed = True
        for name, members in self._members.items():
            room = Room(self, name)
            for websocket in members:
                websocket._left(room)
        self._members.clear()
        async with self._lock:
            for name in list(self._subscribed):
                await self._backend.unsubscribe(name)
            self._subscribed.clear()
        await self._backend.close()

    async def __aenter__(self) -> Broadcaster:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- what Room calls ------------------------------------------------------------

    async def _join(self, room: Room, websocket: WebSocket) -> None:
        if self._closed:
            raise WebSocketStateError("the broadcaster is closed")
        if websocket.connection_state is not WebSocketState.CONNECTED:
            raise WebSocketStateError(
                "only an open connection can join a room: call `await websocket.accept()` first"
            )
        members = self._members.get(room.name)
        if members is None:
            members = self._members[room.name] = {}
        elif websocket in members:
            return
        members[websocket] = None
        websocket._joined(room)
        if room.name not in self._subscribed:
            await self._sync_subscription(room.name)

    async def _leave(self, room: Room, websocket: WebSocket) -> None:
        websocket._left(room)
        members = self._members.get(room.name)
        if members is None or members.pop(websocket, False) is False:
            return
        if not members:
            del self._members[room.name]
            await self._sync_subscription(room.name)

    async def _sync_subscription(self, name: str) -> None:
        """Subscribe to ``name`` if it has members here, unsubscribe if not.

        Serialized, and re-reading the membership under the lock, so that a join racing
        with the last leave never ends unsubscribed.
        """
        async with self._lock:
            wanted = name in self._members
            if wanted and name not in self._subscribed:
                await self._backend.subscribe(name, self._deliver)
                self._subscribed.add(name)
            elif not wanted and name in self._subscribed:
                self._subscribed.discard(name)
                await self._backend.unsubscribe(name)

    async def _publish(self, room: Room, data: str | bytes, exclude: WebSocket | None) -> None:
        if self._closed:
            raise WebSocketStateError("the broadcaster is closed")
        message = BroadcastMessage(
            room.name, data, self._origin, None if exclude is None else id(exclude)
        )
        await self._backend.publish(message)

    async def _deliver(self, message: BroadcastMessage) -> None:
        """Send ``message`` to the room's local members (the backend calls this)."""
        members = self._members.get(message.room)
        if not members:
            return
        skip = message.exclude if message.origin == self._origin else None
        targets = [ws for ws in members if id(ws) != skip]
        room = Room(self, message.room)
        if len(targets) == 1:
            await self._send_one(room, targets[0], message.data)
        elif targets:
            await asyncio.gather(*(self._send_one(room, ws, message.data) for ws in targets))

    async def _send_one(self, room: Room, websocket: WebSocket, data: str | bytes) -> None:
        try:
            if isinstance(data, str):
                await websocket.send_text(data)
            else:
                await websocket.send_bytes(data)
        except (WebSocketDisconnect, WebSocketStateError):
            await self._leave(room, websocket)  # it went away: the others still get theirs
        except Exception:
            logger.exception("broadcast to %r failed; dropping that member", websocket)
            await self._leave(room, websocket)


class Room:
    """A named group of connections that receive the same broadcasts.

    Get one with :meth:`Broadcaster.room`; rooms with the same name and broadcaster are
    equal. ``len(room)`` and ``websocket in room`` count this process's members.
    """

    __slots__ = ("broadcaster", "name")

    def __init__(self, broadcaster: Broadcaster, name: str) -> None:
        self.broadcaster = broadcaster
        self.name = name

    def __repr__(self) -> str:
        return f"<Room {self.name!r} members={len(self)}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Room):
            return NotImplemented
        return self.broadcaster is other.broadcaster and self.name == other.name

    def __hash__(self) -> int:
        return hash((id(self.broadcaster), self.name))

    def __len__(self) -> int:
        return len(self.broadcaster._members.get(self.name, ()))

    def __contains__(self, websocket: object) -> bool:
        return websocket in self.broadcaster._members.get(self.name, ())

    def __iter__(self) -> Iterator[WebSocket]:
        return iter(self.members)

    @property
    def members(self) -> tuple[WebSocket, ...]:
        """This process's members, in joining order (a snapshot)."""
        return tuple(self.broadcaster._members.get(self.name, ()))

    async def join(self, websocket: WebSocket) -> None:
        """Add an accepted connection; it leaves by itself when the connection ends."""
        await self.broadcaster._join(self, websocket)

    async def leave(self, websocket: WebSocket) -> None:
        """Remove ``websocket``; a no-op if it is not a member."""
        await self.broadcaster._leave(self, websocket)

    async def broadcast(
        self, data: str | bytes | bytearray | memoryview, *, exclude: WebSocket | None = None
    ) -> None:
        """Send ``data`` (text if ``str``, binary if ``bytes``) to every member but ``exclude``."""
        if isinstance(data, bytearray | memoryview):
            data = bytes(data)
        elif not isinstance(data, str | bytes):
            raise TypeError(
                f"broadcast() takes str or bytes, got {type(data).__name__}; "
                "use broadcast_json() for other values"
            )
        await self.broadcaster._publish(self, data, exclude)

    async def broadcast_json(
        self, data: Any, *, exclude: WebSocket | None = None, binary: bool = False
    ) -> None:
        """Send ``data`` as JSON (encoded once) to every member but ``exclude``."""
        encoded = current_encoder().json(data)
        await self.broadcaster._publish(self, encoded if binary else encoded.decode(), exclude)
