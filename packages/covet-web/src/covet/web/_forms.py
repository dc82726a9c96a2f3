"""Form bodies: ``application/x-www-form-urlencoded`` and ``multipart/form-data``.

Multipart is parsed as it streams in (python-multipart); file parts go to a
``SpooledTemporaryFile`` that moves to disk above ``spool_max_size``. Limits on the
number of parts, each field's size and each file's size answer 413 problems, never 500s.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import IO, Any
from urllib.parse import parse_qsl

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ._datastructures import Headers
from .errors import HTTPError

__all__ = ["FormData", "FormLimits", "UploadFile", "parse_multipart", "parse_urlencoded"]


class UploadFile:
    """An uploaded file: ``filename``, ``content_type``, ``headers``, ``size`` and ``file``.

    Read it with ``await upload.read()``; the data lives in memory up to the spool size
    and on disk beyond it (disk reads run in a worker thread).
    """

    __slots__ = ("_max_mem", "content_type", "file", "filename", "headers", "size")

    def __init__(
        self,
        file: IO[bytes],
        *,
        filename: str | None = None,
        headers: Headers | None = None,
        size: int = 0,
    ) -> None:
        self.file = file
        self.filename = filename
        self.headers = headers if headers is not None else Headers()
        self.content_type: str | None = self.headers.get("content-type")
        self.size = size

    @property
    def _in_memory(self) -> bool:
        # SpooledTemporaryFile keeps a BytesIO until it rolls over to disk.
        rolled = getattr(self.file, "_rolled", True)
        return not rolled

    async def _run(self, method: str, *args: Any) -> Any:
        func = getattr(self.file, method)
        if self._in_memory:
            return func(*args)
        return await asyncio.get_running_loop().run_in_executor(None, func, *args)

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all by default)."""
        data: bytes = await self._run("read", size)
        return data

    async def seek(self, offset: int) -> None:
        """Move to byte ``offset``."""
        await self._run("seek", offset)

    async def write(self, data: bytes) -> None:
        """Append ``data`` (used while parsing)."""
        self.size += len(data)
        await self._run("write", data)

    async def close(self) -> None:
        """Close (and delete) the underlying file."""
        await self._run("close")

    def __repr__(self) -> str:
        return f"UploadFile(filename={self.filename!r}, size={self.size}, content_type={self.content_type!r})"


class FormData(Mapping[str, "str | UploadFile"]):
    """A parsed form: a read-only multi-dict of strings and :class:`UploadFile`.

    ``form["name"]`` is the last value; ``form.getlist("tags")`` is every value. Close it
    (``await form.close()``) to delete spooled files; the app does so after the response.
    """

    __slots__ = ("_dict", "_list")

    def __init__(self, items: Sequence[tuple[str, str | UploadFile]] = ()) -> None:
        self._list: list[tuple[str, str | UploadFile]] = list(items)
        self._dict: dict[str, str | UploadFile] = dict(self._list)

    def __getitem__(self, key: str) -> str | UploadFile:
        return self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def getlist(self, key: str) -> list[str | UploadFile]:
        """Every value given for ``key``."""
        return [v for k, v in self._list if k == key]

    def multi_items(self) -> list[tuple[str, str | UploadFile]]:
        """Every ``(key, value)`` pair, in order."""
        return list(self._list)

    async def close(self) -> None:
        """Close every uploaded file."""
        for _, value in self._list:
            if isinstance(value, UploadFile):
                await value.close()

    def __repr__(self) -> str:
        return f"FormData({self._list!r})"


class FormLimits:
    """Limits for form parsing: part count, field size, file size and the spool size."""

    __slots__ = ("max_field_size", "max_fields", "max_file_size", "max_files", "spool_max_size")

    def __init__(
        self,
        *,
        max_fields: int = 1000,
        max_files: int = 1000,
        max_field_size: int = 1024 * 1024,
        max_file_size: int | None = None,
        spool_max_size: int = 1024 * 1024,
    ) -> None:
        self.max_fields = max_fields
        self.max_files = max_files
        self.max_field_size = max_field_size
        self.max_file_size = max_file_size
        self.spool_max_size = spool_max_size


def _too_large(detail: str) -> HTTPError:
    return HTTPError(413, detail)


def parse_urlencoded(body: bytes, limits: FormLimits) -> FormData:
    """Parse an urlencoded body (already size-checked by ``request.body()``)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPError(400, "the form body is not valid UTF-8") from None
    pairs = parse_qsl(text, keep_blank_values=True)
    if len(pairs) > limits.max_fields:
        raise _too_large(f"the form has more than {limits.max_fields} fields")
    return FormData(pairs)


class _PartState:
    """What the multipart callbacks collect for the current part."""

    def __init__(self) -> None:
        self.header_field = b""
        self.header_value = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.name = ""
        self.filename: str | None = None
        self.data = bytearray()
        self.file: UploadFile | None = None


async def parse_multipart(
    content_type: str, stream: AsyncIterator[bytes], limits: FormLimits
) -> FormData:
    """Parse a ``multipart/form-data`` body as it streams in."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise HTTPError(400, "multipart/form-data without a boundary parameter")
    items: list[tuple[str, str | UploadFile]] = []
    events: list[tuple[str, bytes]] = []

    def on(name: str) -> Any:
        return lambda data=b"", start=0, end=0: events.append((name, data[start:end]))

    callbacks: Any = {
        name: on(name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = MultipartParser(boundary, callbacks)
    part = _PartState()
    fields = files = 0
    try:
        async for chunk in stream:
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise HTTPError(400, f"malformed multipart body: {exc}") from None
            for event, data in events:
                if event == "on_part_begin":
                    part = _PartState()
                elif event == "on_header_field":
                    part.header_field += data
                elif event == "on_header_value":
                    part.header_value += data
                elif event == "on_header_end":
                    part.headers.append((part.header_field.lower(), part.header_value))
                    part.header_field = part.header_value = b""
                elif event == "on_headers_finished":
                    part.name, part.filename = _disposition(part.headers)
                    if part.filename is not None:
                        files += 1
                        if files > limits.max_files:
                            raise _too_large(f"the form has more than {limits.max_files} files")
                        # Closed by FormData.close() once the response is sent.
                        spooled = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                            max_size=limits.spool_max_size
                        )
                        part.file = UploadFile(
                            spooled,
                            filename=part.filename,
                            headers=Headers(raw=part.headers),
                        )
                        items.append((part.name, part.file))
                    else:
                        fields += 1
                        if fields > limits.max_fields:
                            raise _too_large(f"the form has more than {limits.max_fields} fields")
                elif event == "on_part_data":
                    if part.file is not None:
                        if (
                            limits.max_file_size is not None
                            and part.file.size + len(data) > limits.max_file_size
                        ):
                            raise _too_large(
                                f"file {part.filename!r} is larger than {limits.max_file_size} bytes"
                            )
                        await part.file.write(data)
                    else:
                        if len(part.data) + len(data) > limits.max_field_size:
                            raise _too_large(
                                f"form field {part.name!r} is larger than {limits.max_field_size} bytes"
                            )
                        part.data += data
                elif event == "on_part_end":
                    if part.file is not None:
                        await part.file.seek(0)
                    else:
                        try:
                            items.append((part.name, part.data.decode("utf-8")))
                        except UnicodeDecodeError:
                            raise HTTPError(
                                400, f"form field {part.name!r} is not valid UTF-8"
                            ) from None
            events.clear()
        parser.finalize()
    except BaseException:
        await FormData(items).close()
        raise
    return FormData(items)


def _disposition(headers: list[tuple[bytes, bytes]]) -> tuple[str, str | None]:
    for key, value in headers:
        if key == b"content-disposition":
            _, options = parse_options_header(value)
            try:
                name = options.get(b"name", b"").decode("utf-8")
                raw_filename = options.get(b"filename")
                filename = raw_filename.decode("utf-8") if raw_filename is not None else None
            except UnicodeDecodeError:
                raise HTTPError(400, "a multipart header is not valid UTF-8") from None
            return name, filename
    raise HTTPError(400, "a multipart part has no Content-Disposition header")
