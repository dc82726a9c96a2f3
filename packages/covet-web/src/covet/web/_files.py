"""Sending files: :class:`FileResponse`, with validators, conditional requests and ranges.

Reads happen in a worker thread (one hop for a file that fits in a chunk). When the server
offers the ``http.response.pathsend`` extension and the whole file is wanted, the server
sends it itself (``sendfile`` in granian).
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
from collections.abc import Mapping
from email.utils import formatdate
from typing import BinaryIO
from urllib.parse import quote

from ._background import Background, run_background
from ._preconditions import evaluate, range_allowed
from ._ranges import ByteRanges, Unsatisfiable, parse_range
from ._responses import Response
from ._streaming import stream_until_disconnect
from ._types import Receive, Scope, Send

__all__ = ["FileResponse", "content_disposition", "file_etag", "guess_media_type"]

# Headers a 304 repeats from the 200 it stands for (RFC 9110 section 15.4.5).
_NOT_MODIFIED_HEADERS = frozenset(
    {
        b"cache-control",
        b"content-location",
        b"date",
        b"etag",
        b"expires",
        b"last-modified",
        b"vary",
        b"set-cookie",
    }
)
_REPRESENTATION_HEADERS = frozenset({b"content-length", b"content-type", b"content-range"})


# What a file compressed as a whole is, when it is sent as it is (not as a Content-Encoding).
_COMPRESSED_TYPES = {
    "gzip": "application/gzip",
    "br": "application/x-brotli",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "compress": "application/x-compress",
}


def guess_media_type(path: str) -> str:
    """The ``Content-Type`` for a file name: ``a.css`` → ``text/css``; ``a.tar.gz`` →
    ``application/gzip`` (not ``application/x-tar``: the bytes are gzip)."""
    media_type, encoding = mimetypes.guess_type(path)
    if encoding is not None:
        return _COMPRESSED_TYPES.get(encoding, "application/octet-stream")
    return media_type or "application/octet-stream"


def file_etag(stat: os.stat_result) -> str:
    """A strong entity tag from a file's modification time and size: ``"<mtime>-<size>"``."""
    return f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A ``Content-Disposition`` value; non-ASCII names also get an RFC 6266 ``filename*``."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii")
    ascii_name = "".join(c if c.isprintable() else "_" for c in ascii_name)
    escaped = ascii_name.replace("\\", "\\\\").replace('"', '\\"')
    value = f'{disposition}; filename="{escaped}"'
    if ascii_name != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def _request_headers(scope: Scope) -> dict[bytes, str]:
    wanted = {
        b"range",
        b"if-range",
        b"if-match",
        b"if-none-match",
        b"if-modified-since",
        b"if-unmodified-since",
    }
    found: dict[bytes, str] = {}
    for name, value in scope.get("headers", ()):
        if name in wanted and name not in found:
            found[name] = bytes(value).decode("latin-1")
    return found


class FileResponse(Response):
    """Send the file at ``path``, answering conditional and Range requests.

    Adds ``ETag``, ``Last-Modified`` and ``Accept-Ranges``; answers ``If-None-Match`` /
    ``If-Modified-Since`` with 304, ``If-Match`` / ``If-Unmodified-Since`` with 412, a
    ``Range`` with 206 (several ranges as ``multipart/byteranges``) or 416. ``filename``
    sets ``Content-Disposition`` (``attachment`` unless ``content_disposition_type`` says
    ``inline``)::

        return FileResponse("reports/2024.pdf", filename="Bericht 2024.pdf")
    """

    chunk_size = 64 * 1024

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Background | None = None,
        *,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = os.fspath(path)
        self._absolute_path = os.path.abspath(self.path)  # pathsend wants an absolute path
        self.status_code = status_code
        self.filename = filename
        if media_type is None:
            media_type = (
                mimetypes.guess_type(filename or self.path)[0] or "application/octet-stream"
            )
        self.media_type = media_type
        self.background = background
        self.body = b""
        self.init_headers(headers, None)
        if filename is not None:
            self.headers.setdefault(
                "content-disposition", content_disposition(filename, content_disposition_type)
            )
        self.stat_result = stat_result

    def _set_validators(self, stat: os.stat_result) -> None:
        names = {name for name, _ in self.raw_headers}
        if b"etag" not in names:
            self.raw_headers.append((b"etag", file_etag(stat).encode("latin-1")))
        if b"last-modified" not in names:
            modified = formatdate(stat.st_mtime, usegmt=True)
            self.raw_headers.append((b"last-modified", modified.encode("latin-1")))
        if b"accept-ranges" not in names:
            self.raw_headers.append((b"accept-ranges", b"bytes"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stat = self.stat_result
        if stat is None:
            try:
                stat = self.stat_result = await asyncio.to_thread(os.stat, self.path)
            except FileNotFoundError:
                raise FileNotFoundError(
                    f"FileResponse: no file at {self.path!r}; check the path before returning it"
                ) from None
        try:
            await self._respond(scope, receive, send, stat)
        finally:
            if self.background is not None:
                await run_background(self.background)

    async def _respond(
        self, scope: Scope, receive: Receive, send: Send, stat: os.stat_result
    ) -> None:
        self._set_validators(stat)
        method = scope.get("method", "GET")
        request = _request_headers(scope)
        headers = self.headers
        if self.status_code == 200:
            outcome = evaluate(
                method,
                headers.get("etag"),
                stat.st_mtime,
                if_match=request.get(b"if-match"),
                if_none_match=request.get(b"if-none-match"),
                if_modified_since=request.get(b"if-modified-since"),
                if_unmodified_since=request.get(b"if-unmodified-since"),
            )
            if outcome != "send":
                await self._send_bodiless(send, 304 if outcome == "not-modified" else 412)
                return
        size = stat.st_size
        ranges = None
        range_header = request.get(b"range")
        if (
            range_header is not None
            and method == "GET"
            and self.status_code == 200
            and range_allowed(
                request.get(b"if-range"), headers.get("etag"), headers.get("last-modified")
            )
        ):
            try:
                ranges = parse_range(range_header, size)
            except Unsatisfiable:
                await self._send_unsatisfiable(send, size)
                return
        if ranges is None:
            await self._send_whole(scope, receive, send, size, head=method == "HEAD")
        elif len(ranges) == 1:
            await self._send_single_range(receive, send, size, *ranges[0])
        else:
            await self._send_multiple_ranges(receive, send, size, ranges)

    async def _send_bodiless(self, send: Send, status: int) -> None:
        keep = _NOT_MODIFIED_HEADERS if status == 304 else frozenset()
        raw = [(k, v) for k, v in self.raw_headers if k in keep]
        if status == 412:
            raw.append((b"content-length", b"0"))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": b""})

    async def _send_unsatisfiable(self, send: Send, size: int) -> None:
        raw = [(k, v) for k, v in self.raw_headers if k not in _REPRESENTATION_HEADERS]
        raw.append((b"content-range", f"bytes */{size}".encode("latin-1")))
        raw.append((b"content-length", b"0"))
        await send({"type": "http.response.start", "status": 416, "headers": raw})
        await send({"type": "http.response.body", "body": b""})

    async def _send_whole(
        self, scope: Scope, receive: Receive, send: Send, size: int, *, head: bool
    ) -> None:
        raw = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        raw.append((b"content-length", str(size).encode("latin-1")))
        await send({"type": "http.response.start", "status": self.status_code, "headers": raw})
        if head:
            await send({"type": "http.response.body", "body": b""})
        elif "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": self._absolute_path})
        elif size <= self.chunk_size:
            body = await asyncio.to_thread(_read_file, self.path, 0, size)
            await send({"type": "http.response.body", "body": body})
        else:
            await stream_until_disconnect(self._send_file_ranges(send, [(0, size - 1)]), receive)

    async def _send_single_range(
        self, receive: Receive, send: Send, size: int, start: int, end: int
    ) -> None:
        raw = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        raw.append((b"content-range", f"bytes {start}-{end}/{size}".encode("latin-1")))
        raw.append((b"content-length", str(end - start + 1).encode("latin-1")))
        await send({"type": "http.response.start", "status": 206, "headers": raw})
        if end - start + 1 <= self.chunk_size:
            body = await asyncio.to_thread(_read_file, self.path, start, end - start + 1)
            await send({"type": "http.response.body", "body": body})
        else:
            await stream_until_disconnect(self._send_file_ranges(send, [(start, end)]), receive)

    async def _send_multiple_ranges(
        self, receive: Receive, send: Send, size: int, ranges: list[tuple[int, int]]
    ) -> None:
        content_type = self.headers.get("content-type") or "application/octet-stream"
        framing = ByteRanges.make(ranges, size, content_type)
        raw = [(k, v) for k, v in self.raw_headers if k not in _REPRESENTATION_HEADERS]
        raw.append((b"content-type", framing.media_type.encode("latin-1")))
        raw.append((b"content-length", str(framing.content_length).encode("latin-1")))
        await send({"type": "http.response.start", "status": 206, "headers": raw})
        await stream_until_disconnect(self._send_file_ranges(send, ranges, framing), receive)

    async def _send_file_ranges(
        self, send: Send, ranges: list[tuple[int, int]], framing: ByteRanges | None = None
    ) -> None:
        headers = [b""] * len(ranges) if framing is None else [h for h, _, _ in framing.parts()]
        handle = await asyncio.to_thread(open, self.path, "rb")
        try:
            for part_header, (start, end) in zip(headers, ranges, strict=True):
                if part_header:
                    await send(
                        {"type": "http.response.body", "body": part_header, "more_body": True}
                    )
                await asyncio.to_thread(handle.seek, start)
                remaining = end - start + 1
                while remaining > 0:
                    chunk = await asyncio.to_thread(handle.read, min(self.chunk_size, remaining))
                    if not chunk:
                        raise RuntimeError(f"{self.path!r} shrank while it was being sent")
                    remaining -= len(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            await asyncio.to_thread(handle.close)
        closing = framing.closing if framing is not None else b""
        await send({"type": "http.response.body", "body": closing, "more_body": False})


def _read_file(path: str, offset: int, length: int) -> bytes:
    handle: BinaryIO
    with open(path, "rb") as handle:
        if offset:
            handle.seek(offset)
        return handle.read(length)
