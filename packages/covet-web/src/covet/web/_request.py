"""Request: a lazy view of one HTTP request.

Creating a Request stores the scope and the receive channel and nothing else; headers,
query parameters, cookies and the URL are parsed on first access, so a handler that
reads nothing pays for nothing.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator
from http.cookies import _unquote
from typing import Any, Unpack

import msgspec

from ._datastructures import Address, Headers, QueryParams, State
from ._form_limits import FormLimitOptions, FormLimits, form_limits_for
from ._forms import FormData, parse_urlencoded
from ._multipart import parse_multipart
from ._types import Message, Receive, Scope
from ._url import URL
from .errors import ClientDisconnect, HTTPError

__all__ = ["Request", "parse_cookie_header"]


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header leniently (as browsers send it, not as RFC 2109 wants)."""
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        key, sep, value = chunk.partition("=")
        if not sep:
            key, value = "", key
        key, value = key.strip(), value.strip()
        if key or value:
            cookies[key] = _unquote(value)
    return cookies


def _too_large(limit: int) -> HTTPError:
    return HTTPError(413, f"the request body is larger than the limit of {limit} bytes")


class Request:
    """One HTTP request, as handlers and dependencies see it.

    ``max_body_size`` caps what ``body()``, ``json()``, ``form()`` and ``stream()`` read
    (413 beyond it; ``None`` means no limit); the app passes its configured limit.
    """

    __slots__ = (
        "_body",
        "_cookies",
        "_form",
        "_headers",
        "_query_params",
        "_stream_consumed",
        "_url",
        "max_body_size",
        "receive",
        "scope",
    )

    def __init__(
        self, scope: Scope, receive: Receive = _no_body, *, max_body_size: int | None = None
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.max_body_size = max_body_size
        self._headers: Headers | None = None
        self._query_params: QueryParams | None = None
        self._cookies: dict[str, str] | None = None
        self._url: URL | None = None
        self._body: bytes | None = None
        self._form: FormData | None = None
        self._stream_consumed = False

    @property
    def method(self) -> str:
        """The HTTP method, upper case."""
        method: str = self.scope["method"]
        return method

    @property
    def path(self) -> str:
        """The request path, percent-decoded (``root_path`` included, as in the scope)."""
        path: str = self.scope["path"]
        return path

    @property
    def url(self) -> URL:
        """The full URL the client asked for."""
        if self._url is None:
            self._url = URL.from_scope(self.scope)
        return self._url

    @property
    def base_url(self) -> URL:
        """Scheme, host and ``root_path``: where this application is mounted."""
        url = self.url
        root_path = self.scope.get("root_path", "")
        return URL(f"{url.scheme}://{url.netloc}{root_path}/")

    @property
    def headers(self) -> Headers:
        """The request headers (case-insensitive, multi-valued)."""
        if self._headers is None:
            self._headers = Headers(raw=self.scope["headers"])
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        """The query string parameters (multi-valued)."""
        if self._query_params is None:
            self._query_params = QueryParams(self.scope.get("query_string", b""))
        return self._query_params

    @property
    def path_params(self) -> dict[str, Any]:
        """The path parameters of the matched route, converted (``{id:int}`` gives an int)."""
        params: dict[str, Any] = self.scope.get("path_params", {})
        return params

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies the client sent."""
        if self._cookies is None:
            header = self.headers.get("cookie")
            self._cookies = parse_cookie_header(header) if header else {}
        return self._cookies

    @property
    def client(self) -> Address | None:
        """The client's address, when the server reports it."""
        client = self.scope.get("client")
        return Address(client[0], client[1]) if client else None

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header, or ``None``."""
        # Read from the scope's list: cheaper than building the headers mapping for it.
        for key, value in self.scope["headers"]:
            if key == b"content-type":
                return value.decode("latin-1")  # type: ignore[no-any-return]
        return None

    @property
    def state(self) -> State:
        """Per-request state; starts with a copy of what the lifespan put in its state."""
        return State(self.scope.setdefault("state", {}))

    @property
    def app(self) -> Any:
        """The application handling the request."""
        return self.scope.get("app")

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """The absolute URL of route ``name`` (``root_path`` included)."""
        path: str = self.scope["app"].url_for(name, **path_params)
        base = self.base_url
        return URL(f"{base.scheme}://{base.netloc}{self.scope.get('root_path', '')}{path}")

    def stream(self) -> AsyncIterator[bytes]:
        """The body in chunks as they arrive, enforcing ``max_body_size``."""
        return self._chunks(self.max_body_size)

    async def _chunks(self, limit: int | None) -> AsyncIterator[bytes]:
        if self._body is not None:
            yield self._body
            return
        if self._stream_consumed:
            raise RuntimeError("the request body was already consumed by stream()")
        self._stream_consumed = True
        if limit is not None:
            self._check_content_length(limit)
        received = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect("the client disconnected while sending the body")
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if limit is not None and received > limit:
                raise _too_large(limit)
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    def _check_content_length(self, limit: int) -> None:
        for key, value in self.scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    raise HTTPError(400, "the Content-Length header is not a number") from None
                if declared > limit:
                    raise _too_large(limit)
                return

    async def body(self) -> bytes:
        """The whole body (read once, then cached)."""
        if self._body is None:
            if self._stream_consumed:
                raise RuntimeError("the request body was already consumed by stream()")
            limit = self.max_body_size
            if limit is not None:
                self._check_content_length(limit)
            self._stream_consumed = True
            # The common case is one message: keep its bytes without copying them.
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect("the client disconnected while sending the body")
            body: bytes = message.get("body", b"")
            if message.get("more_body", False):
                chunks = [body]
                received = len(body)
                while True:
                    message = await self.receive()
                    if message["type"] == "http.disconnect":
                        raise ClientDisconnect("the client disconnected while sending the body")
                    chunk = message.get("body", b"")
                    received += len(chunk)
                    if limit is not None and received > limit:
                        raise _too_large(limit)
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
                body = b"".join(chunks)
            elif limit is not None and len(body) > limit:
                raise _too_large(limit)
            self._body = body
        return self._body

    async def json(self) -> Any:
        """The body decoded as JSON; malformed JSON, bad encoding or JSON nested deeper
        than Python can follow is a 400 problem."""
        body = await self.body()
        if not body:
            raise HTTPError(400, "the request body is empty; expected JSON")
        charset = _charset(self.headers.get("content-type"))
        if charset is not None and charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
            body = _transcode(body, charset)
        try:
            return msgspec.json.decode(body)
        except UnicodeDecodeError:
            raise HTTPError(400, "the JSON body is not valid UTF-8") from None
        except msgspec.DecodeError as exc:
            raise HTTPError(400, f"malformed JSON: {exc}") from None
        except RecursionError:
            raise HTTPError(400, "the JSON body is nested too deeply") from None

    async def form(
        self, limits: FormLimits | None = None, **options: Unpack[FormLimitOptions]
    ) -> FormData:
        """The body parsed as a form (urlencoded or multipart); files are spooled.

        ``limits`` defaults to the route's ``form_limits=``, else the app's; ``options``
        override single limits (``max_file_size=...``). A multipart body is capped by
        ``max_upload_size`` while it streams in, not by ``max_body_size``; an url-encoded
        one is read whole, within ``max_body_size``. Any other content type is a 415
        problem; going over a limit is a 413 problem. The app closes the form's files once
        the response is sent.
        """
        if self._form is None:
            limits = form_limits_for(self.scope, limits, options)
            content_type = self.headers.get("content-type") or ""
            media_type = content_type.partition(";")[0].strip().lower()
            if media_type == "multipart/form-data":
                self._form = await parse_multipart(
                    content_type,
                    self._chunks(None),
                    limits,
                    content_length=self.headers.get("content-length"),
                )
            elif media_type == "application/x-www-form-urlencoded":
                self._form = parse_urlencoded(await self.body(), limits)
            else:
                raise HTTPError(
                    415,
                    f"expected a form (application/x-www-form-urlencoded or "
                    f"multipart/form-data), got {media_type or 'no content type'}",
                )
        return self._form

    async def close(self) -> None:
        """Release what the request holds (spooled upload files)."""
        if self._form is not None:
            await self._form.close()

    def __repr__(self) -> str:
        return f"<Request {self.scope.get('method')} {self.scope.get('path')}>"


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _transcode(body: bytes, charset: str) -> bytes:
    try:
        codecs.lookup(charset)
    except LookupError:
        raise HTTPError(415, f"unknown charset {charset!r} in Content-Type") from None
    try:
        return body.decode(charset).encode("utf-8")
    except UnicodeDecodeError:
        raise HTTPError(400, f"the body is not valid {charset}") from None
