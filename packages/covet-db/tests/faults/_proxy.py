"""A TCP proxy the fault tests put between a Database and PostgreSQL, then break on purpose.

The shared PostgreSQL service must never be stopped, so a "cut network" or a "server gone"
is simulated here: the Database connects to the proxy, and the test cuts every live
connection with a TCP reset, refuses new ones (nothing listens on the port), blackholes them
(accepts, then never answers: the client's connect timeout must fire), and restores.

Pure asyncio. ``close()`` aborts every transport and awaits the listeners, so nothing leaks
under ``filterwarnings = error``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Literal

__all__ = ["TcpProxy"]

DownMode = Literal["refuse", "blackhole"]

# Past this many buffered bytes on one side, stop reading from the other.
_HIGH_WATER = 1 << 20


def _reset(transport: asyncio.BaseTransport | None) -> None:
    """Close ``transport`` with a TCP RST (SO_LINGER 0), not a polite FIN."""
    if transport is None or transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()  # type: ignore[attr-defined]


class _Side(asyncio.Protocol):
    """One socket of a proxied pair; forwards what it reads to its peer."""

    def __init__(self, link: _Link) -> None:
        self.link = link
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self.pending: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(high=_HIGH_WATER)

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if self.link.blackholed:
            return  # swallowed: the other side waits forever
        if peer is None or peer.transport is None:
            self.pending.append(data)  # upstream not connected yet
        elif not peer.transport.is_closing():
            peer.transport.write(data)

    def eof_received(self) -> bool | None:
        peer = self.peer
        transport = peer.transport if peer is not None else None
        if transport is not None and not transport.is_closing() and transport.can_write_eof():
            transport.write_eof()
            return True
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        # One side gone: the other goes too (a half-dead pair helps no test).
        peer = self.peer
        if peer is not None and peer.transport is not None and not peer.transport.is_closing():
            if exc is None:
                peer.transport.close()
            else:
                _reset(peer.transport)
        self.link.side_lost(self)

    # Flow control: when our write buffer fills, pause the peer's reading.
    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()


class _Link:
    """A client connection and (once open) its upstream connection."""

    def __init__(self, proxy: TcpProxy, *, blackholed: bool) -> None:
        self.proxy = proxy
        self.blackholed = blackholed
        self.client = _Side(self)
        self.upstream: _Side | None = None
        self.opener: asyncio.Task[None] | None = None

    def start(self) -> None:
        if not self.blackholed:
            self.opener = asyncio.get_running_loop().create_task(self._open_upstream())

    async def _open_upstream(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, upstream = await loop.create_connection(
                lambda: _Side(self), self.proxy.target_host, self.proxy.target_port
            )
        except OSError:
            _reset(self.client.transport)
            return
        client = self.client
        if client.transport is None or client.transport.is_closing():
            _reset(upstream.transport)
            return
        self.upstream = upstream
        upstream.peer, client.peer = client, upstream
        assert upstream.transport is not None
        for chunk in client.pending:
            upstream.transport.write(chunk)
        client.pending.clear()

    def cut(self) -> None:
        if self.opener is not None and not self.opener.done():
            self.opener.cancel()
        _reset(self.client.transport)
        if self.upstream is not None:
            _reset(self.upstream.transport)

    def side_lost(self, side: _Side) -> None:
        if side is self.client:
            if self.opener is not None and not self.opener.done():
                self.opener.cancel()
            self.proxy._links.discard(self)


class TcpProxy:
    """Forward 127.0.0.1:<free port> to ``target_host:target_port``, breakable on demand.

    >>> proxy = TcpProxy("127.0.0.1", 5432)
    >>> await proxy.start()            # proxy.port is now bound
    >>> proxy.cut()                    # every live connection gets a TCP reset
    >>> await proxy.down("refuse")     # nothing listens: connects fail at once
    >>> await proxy.up()               # same port again
    >>> await proxy.close()
    """

    def __init__(self, target_host: str, target_port: int, *, host: str = "127.0.0.1") -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.host = host
        self.port = 0
        self.mode: Literal["up", "refuse", "blackhole"] = "up"
        #: Client connections accepted since start (blackholed ones included).
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._old_servers: list[asyncio.Server] = []
        self._links: set[_Link] = set()

    @property
    def active(self) -> int:
        """Client connections currently open through the proxy."""
        return len(self._links)

    def url(self, url: str) -> str:
        """``url`` (``scheme://user@host:port/db?...``) rewritten to go through the proxy."""
        scheme, rest = url.split("://", 1)
        userinfo, _, hostpart = rest.rpartition("@")
        _, slash, path = hostpart.partition("/")
        prefix = f"{userinfo}@" if userinfo else ""
        return f"{scheme}://{prefix}{self.host}:{self.port}{slash}{path}"

    async def start(self) -> None:
        """Listen on a free port (or, after ``down("refuse")``, on the same port again)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._accept, self.host, self.port, reuse_address=True
        )
        if self.port == 0:
            self.port = self._server.sockets[0].getsockname()[1]

    def _accept(self) -> _Side:
        self.accepted += 1
        link = _Link(self, blackholed=self.mode == "blackhole")
        self._links.add(link)
        link.start()
        return link.client

    def cut(self) -> int:
        """Reset every live connection, both sides, at once; return how many were cut.

        PostgreSQL sees its client vanish and rolls back any open transaction; the client
        sees ``ConnectionResetError`` on its next read or write. New connections still work.
        """
        links = list(self._links)
        for link in links:
            link.cut()
        return len(links)

    async def down(self, mode: DownMode = "refuse", *, cut: bool = True) -> None:
        """Take the "network" down: cut live connections, then refuse or blackhole new ones.

        ``"refuse"`` stops listening, so a connect fails at once with ECONNREFUSED.
        ``"blackhole"`` accepts and never answers, so only the client's timeout ends it.
        """
        if cut:
            self.cut()
        self.mode = mode
        if mode == "blackhole":
            await self._relisten()
        elif self._server is not None:
            server, self._server = self._server, None
            server.close()
            # Awaited in close(): on 3.12+ wait_closed() also waits for accepted connections.
            self._old_servers.append(server)

    async def up(self) -> None:
        """Restore forwarding on the same port; blackholed connections are reset."""
        for link in list(self._links):
            if link.blackholed:
                link.cut()
        self.mode = "up"
        await self._relisten()

    async def _relisten(self) -> None:
        if self._server is not None:
            return
        # The port was ours a moment ago; a few tries cover a socket still being released.
        for attempt in range(20):
            try:
                await self.start()
                return
            except OSError:
                if attempt == 19:
                    raise
                await asyncio.sleep(0.05)

    async def close(self) -> None:
        """Stop listening and reset everything; safe to call twice."""
        self.mode = "refuse"
        servers = self._old_servers
        if self._server is not None:
            servers.append(self._server)
            self._server = None
        self._old_servers = []
        for server in servers:
            server.close()
        openers = [link.opener for link in self._links if link.opener is not None]
        self.cut()
        for opener in openers:
            opener.cancel()
        await asyncio.gather(*openers, return_exceptions=True)
        # Let the event loop run the transports' connection_lost callbacks.
        for _ in range(100):
            if not self._links:
                break
            await asyncio.sleep(0.01)
        for server in servers:
            await asyncio.wait_for(server.wait_closed(), timeout=5.0)

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
