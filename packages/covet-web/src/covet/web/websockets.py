"""WebSocket endpoints: the connection, close codes, errors, rooms and broadcast.

::

    from covet.web import Covet
    from covet.web.websockets import Broadcaster, WebSocket

    app = Covet()
    chat = Broadcaster()

    @app.websocket("/chat/{room}")
    async def chat_room(websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        members = chat.room(room)
        await members.join(websocket)
        async for message in websocket.iter_json():
            await members.broadcast_json(message, exclude=websocket)

Ping/pong keep-alive and frame limits are the server's job (uvicorn: ``ws_ping_interval``,
``ws_ping_timeout``, ``ws_max_size``); the application sees whole messages. This module
only re-exports; the code lives in ``covet.web._websocket``.
"""

from ._websocket._backend import BroadcastBackend as BroadcastBackend
from ._websocket._backend import BroadcastMessage as BroadcastMessage
from ._websocket._backend import InProcessBackend as InProcessBackend
from ._websocket._close import CloseCode as CloseCode
from ._websocket._close import WebSocketState as WebSocketState
from ._websocket._connection import DEFAULT_MAX_MESSAGE_SIZE as DEFAULT_MAX_MESSAGE_SIZE
from ._websocket._connection import WebSocket as WebSocket
from ._websocket._errors import WebSocketDisconnect as WebSocketDisconnect
from ._websocket._errors import WebSocketMessageError as WebSocketMessageError
from ._websocket._errors import WebSocketStateError as WebSocketStateError
from ._websocket._rooms import Broadcaster as Broadcaster
from ._websocket._rooms import Room as Room

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "BroadcastBackend",
    "BroadcastMessage",
    "Broadcaster",
    "CloseCode",
    "InProcessBackend",
    "Room",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketMessageError",
    "WebSocketState",
    "WebSocketStateError",
]
