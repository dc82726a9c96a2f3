"""Response classes. A response is an ASGI app: ``await response(scope, receive, send)``.

The body is rendered once, in ``__init__``; ``raw_headers`` is the ASGI header list the
server receives as is. Subclasses that stream (files, Server-Sent Events) override
``__call__``.
"""

from __future__ import annotations

import http.cookies
from collections.abc import Mapping
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Literal
from urllib.parse import quote

from ._background import Background as Background  # the type of ``background=``
from ._background import run_background
from ._datastructures import MutableHeaders
from ._encoding import current_encoder
from ._types import Receive, Scope, Send

__all__ = [
    "HTMLResponse",
    "JSONResponse",
    "MsgPackResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
]


class Response:
    """A response with a body known up front.

    ``content`` may be bytes or str (encoded with ``charset``); ``media_type`` defaults
    to the class's. ``background`` (an async function with no arguments, or a
    :class:`BackgroundTasks`) runs after the body has been sent; its errors are logged::

        Response(b"\\x89PNG...", media_type="image/png", headers={"Cache-Control": "no-store"})
    """

    media_type: str | None = None
    charset = "utf-8"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Background | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self.init_headers(headers, len(self.body))

    def render(self, content: Any) -> bytes:
        """The body bytes for ``content``; subclasses override for other types."""
        if content is None:
            return b""
        if isinstance(content, bytes | bytearray | memoryview):
            return bytes(content)
        if isinstance(content, str):
            return content.encode(self.charset)
        raise TypeError(
            f"{type(self).__name__} content must be bytes or str, not {type(content).__name__}"
        )

    def init_headers(self, headers: Mapping[str, str] | None, content_length: int | None) -> None:
        """Build ``raw_headers``: the given ones, then Content-Type and Content-Length.

        Subclasses whose length is unknown pass ``content_length=None``.
        """
        raw = (
            [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
            if headers
            else []
        )
        names = {k for k, _ in raw}
        status = self.status_code
        bodiless = status < 200 or status in (204, 304)
        if content_length is not None and not bodiless and b"content-length" not in names:
            raw.append((b"content-length", str(content_length).encode("latin-1")))
        media_type = self.media_type
        if media_type is not None and not bodiless and b"content-type" not in names:
            if media_type.startswith("text/") and "charset=" not in media_type:
                media_type = f"{media_type}; charset={self.charset}"
            raw.append((b"content-type", media_type.encode("latin-1")))
        self.raw_headers: list[tuple[bytes, bytes]] = raw

    @property
    def headers(self) -> MutableHeaders:
        """The response headers; changes apply to ``raw_headers``."""
        return MutableHeaders(raw=self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header."""
        cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            morsel["expires"] = (
                format_datetime(expires, usegmt=True) if isinstance(expires, datetime) else expires
            )
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("strict", "lax", "none"):
                raise ValueError("samesite must be 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        value_out = cookie.output(header="").strip()
        if partitioned:
            # CHIPS; http.cookies learns the attribute only in Python 3.14.
            value_out += "; Partitioned"
        self.raw_headers.append((b"set-cookie", value_out.encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        *,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Tell the client to drop cookie ``key``."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.body})
        if self.background is not None:
            await run_background(self.background)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status_code}>"


class PlainTextResponse(Response):
    """A ``text/plain; charset=utf-8`` response."""

    media_type = "text/plain"


class HTMLResponse(Response):
    """A ``text/html; charset=utf-8`` response."""

    media_type = "text/html"


class JSONResponse(Response):
    """``content`` encoded as JSON (orjson; dataclasses, Structs, pydantic models and the
    types the app's plugins know are accepted)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return current_encoder().json(content)


class MsgPackResponse(Response):
    """``content`` encoded as MessagePack (msgspec)."""

    media_type = "application/msgpack"

    def render(self, content: Any) -> bytes:
        return current_encoder().msgpack(content)


class RedirectResponse(Response):
    """A redirect to ``url`` (307 by default, which keeps the method and body)."""

    def __init__(
        self,
        url: str | Any,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: Background | None = None,
    ) -> None:
        super().__init__(b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;~")
