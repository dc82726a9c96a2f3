"""Trust ``Forwarded`` / ``X-Forwarded-*`` headers from known proxies only.

Behind a load balancer the TCP peer is the proxy; the client's address, the scheme it used
and the host it asked for arrive in headers. Anyone can send those headers, so they are
believed only when the peer is a listed proxy, and the client address is the right-most
hop that is not itself a trusted proxy (RFC 7239 section 7.4).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .._types import ASGIApp, Receive, Scope, Send
from ..errors import ConfigurationError

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_HOST = re.compile(r"[A-Za-z0-9.\-_~!$&'()*+,;=:\[\]%]{1,255}")
_PAIR = re.compile(r'\s*([A-Za-z0-9!#$%&\'*+.^_`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*')


@dataclass(frozen=True, slots=True)
class _Hop:
    """One proxy hop: the address it saw (``for``), and optionally ``proto`` and ``host``."""

    address: str
    proto: str | None = None
    host: str | None = None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _node_address(node: str) -> str:
    """``"[2001:db8::1]:4711"`` → ``2001:db8::1``; ``192.0.2.1:80`` → ``192.0.2.1``."""
    if node.startswith("["):
        return node[1:].partition("]")[0]
    if node.count(":") == 1:
        return node.partition(":")[0]
    return node


def parse_forwarded(value: str) -> list[_Hop]:
    """The hops of a ``Forwarded`` header (RFC 7239), left (client side) to right."""
    hops: list[_Hop] = []
    for element in _split_elements(value):
        fields: dict[str, str] = {}
        for pair in element.split(";"):
            match = _PAIR.fullmatch(pair)
            if match:
                fields[match.group(1).lower()] = _unquote(match.group(2))
        address = _node_address(fields.get("for", "unknown"))
        proto = fields.get("proto")
        hops.append(_Hop(address, proto.lower() if proto else None, fields.get("host")))
    return hops


def _split_elements(value: str) -> list[str]:
    """Split on commas outside quoted strings."""
    elements: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            elements.append("".join(current))
            current = []
            continue
        current.append(char)
    elements.append("".join(current))
    return [e for e in elements if e.strip()]


def _split_list(value: bytes | None) -> list[str]:
    if value is None:
        return []
    return [item.strip() for item in value.decode("latin-1").split(",")]


def _entry(values: list[str], index: int, *, aligned: bool, last: bool) -> str | None:
    if aligned:
        return values[index] or None
    return values[-1] or None if last and values else None


class ProxyHeadersMiddleware:
    """Set the scope's client, scheme and Host from proxy headers sent by trusted proxies.

    ``trusted_proxies`` lists addresses and networks (``"10.0.0.0/8"``, ``"::1"``) or
    ``"*"`` for any peer (only when nothing but the proxy can reach the app). The standard
    ``Forwarded`` header is preferred when present; otherwise ``X-Forwarded-For``,
    ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` are read.
    """

    def __init__(self, app: ASGIApp, trusted_proxies: Iterable[str] = ("127.0.0.1", "::1")) -> None:
        self.app = app
        entries = [entry.strip() for entry in trusted_proxies]
        self.trust_all = "*" in entries
        self.networks: list[_Network] = []
        for entry in entries:
            if entry == "*":
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ConfigurationError(
                    f"invalid trusted proxy {entry!r}: give an IP address or network "
                    "(e.g. '10.0.0.0/8'), or '*' to trust any peer"
                ) from None

    def is_trusted(self, address: str) -> bool:
        """Whether ``address`` belongs to a trusted proxy."""
        if self.trust_all:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            if client and self.is_trusted(client[0]):
                scope = self._apply(scope)
        await self.app(scope, receive, send)

    def _hops(self, scope: Scope) -> list[_Hop]:
        forwarded: list[bytes] = []
        xff = proto = host = None
        for name, value in scope["headers"]:
            if name == b"forwarded":
                forwarded.append(bytes(value))
            elif name == b"x-forwarded-for":
                xff = bytes(value)
            elif name == b"x-forwarded-proto":
                proto = bytes(value)
            elif name == b"x-forwarded-host":
                host = bytes(value)
        if forwarded:
            return parse_forwarded(b",".join(forwarded).decode("latin-1"))
        addresses, protos, hosts = _split_list(xff), _split_list(proto), _split_list(host)
        if not addresses:
            # Scheme and host alone still count (some proxies send no X-Forwarded-For).
            return [_Hop("", protos[-1] if protos else None, hosts[-1] if hosts else None)]
        # Proxies append one entry per hop: when the lists line up, each entry is a hop's;
        # otherwise the scheme and host are the nearest proxy's statement.
        last = len(addresses) - 1
        return [
            _Hop(
                address,
                _entry(protos, i, aligned=len(protos) == len(addresses), last=i == last),
                _entry(hosts, i, aligned=len(hosts) == len(addresses), last=i == last),
            )
            for i, address in enumerate(addresses)
        ]

    def _apply(self, scope: Scope) -> Scope:
        hops = self._hops(scope)
        if not hops:
            return scope
        # Walk from the proxy nearest us towards the client; stop at the first untrusted hop.
        chosen = hops[0]
        for hop in reversed(hops):
            chosen = hop
            if not hop.address or not self.is_trusted(hop.address):
                break
        # Proto and host come from the nearest hop that states them, up to the chosen one.
        index = hops.index(chosen)
        proto = next((h.proto for h in reversed(hops[index:]) if h.proto), None)
        host = next((h.host for h in reversed(hops[index:]) if h.host), None)
        scope = dict(scope)
        if chosen.address and chosen.address != "unknown" and not chosen.address.startswith("_"):
            scope["client"] = (chosen.address, 0)
        if proto in ("http", "https"):
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if proto == "https" else "ws"
            else:
                scope["scheme"] = proto
        elif proto in ("ws", "wss") and scope["type"] == "websocket":
            scope["scheme"] = proto
        if host and _HOST.fullmatch(host):
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            headers.append((b"host", host.encode("latin-1")))
            scope["headers"] = headers
        return scope
