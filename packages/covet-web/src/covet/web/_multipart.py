"""``multipart/form-data`` parsed as it streams in, within :class:`FormLimits`.

python-multipart does the parsing; this module turns its events into a :class:`FormData`.
Every limit is checked before the bytes that would break it are kept, so an upload over a
limit costs at most one chunk of memory. File parts go to ``SpooledTemporaryFile``\\s; once
the form's files hold ``spool_max_size`` bytes in memory, further file data goes to disk.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ._datastructures import Headers
from ._form_limits import FormLimits, limit_exceeded
from ._forms import FormData, UploadFile
from .errors import HTTPError

__all__ = ["parse_multipart"]

_MAX_HEADER_BYTES = 16 * 1024  # of one part's headers: they are kept in memory

_EVENTS = (
    "on_part_begin",
    "on_part_data",
    "on_part_end",
    "on_header_field",
    "on_header_value",
    "on_header_end",
    "on_headers_finished",
)


class _PartState:
    """What the multipart callbacks collect for the current part."""

    def __init__(self) -> None:
        self.header_field = b""
        self.header_value = b""
        self.header_bytes = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.name = ""
        self.filename: str | None = None
        self.data = bytearray()
        self.file: UploadFile | None = None


class _Builder:
    """Applies the parser's events to the form under construction, enforcing the limits."""

    def __init__(self, limits: FormLimits) -> None:
        self.limits = limits
        self.items: list[tuple[str, str | UploadFile]] = []
        self.part = _PartState()
        self.fields = 0
        self.files = 0
        self.in_memory = 0  # bytes of file data not yet moved to disk

    async def apply(self, event: str, data: bytes) -> None:
        part = self.part
        if event == "on_part_data":
            if part.file is not None:
                await self._file_data(part.file, data)
            else:
                self._field_data(part, data)
        elif event == "on_header_field" or event == "on_header_value":
            part.header_bytes += len(data)
            if part.header_bytes > _MAX_HEADER_BYTES:
                raise HTTPError(
                    400,
                    f"the headers of a multipart part are larger than {_MAX_HEADER_BYTES} bytes",
                )
            if event == "on_header_field":
                part.header_field += data
            else:
                part.header_value += data
        elif event == "on_header_end":
            part.headers.append((part.header_field.lower(), part.header_value))
            part.header_field = part.header_value = b""
        elif event == "on_headers_finished":
            self._start_part(part)
        elif event == "on_part_end":
            await self._end_part(part)
        elif event == "on_part_begin":
            self.part = _PartState()

    def _start_part(self, part: _PartState) -> None:
        limits = self.limits
        part.name, part.filename = _disposition(part.headers)
        if part.filename is None:
            self.fields += 1
            if self.fields > limits.max_fields:
                raise limit_exceeded(
                    f"the form has more than {limits.max_fields} fields",
                    "max_fields",
                    limits.max_fields,
                )
            return
        self.files += 1
        if self.files > limits.max_files:
            raise limit_exceeded(
                f"the form has more than {limits.max_files} files", "max_files", limits.max_files
            )
        # Closed by FormData.close() once the response is sent (or below, on an error).
        spooled = tempfile.SpooledTemporaryFile(max_size=limits.spool_max_size)  # noqa: SIM115
        part.file = UploadFile(spooled, filename=part.filename, headers=Headers(raw=part.headers))
        self.items.append((part.name, part.file))

    async def _file_data(self, file: UploadFile, data: bytes) -> None:
        limit = self.limits.max_file_size
        if limit is not None and file.size + len(data) > limit:
            raise limit_exceeded(
                f"file {file.filename!r} is larger than {limit} bytes", "max_file_size", limit
            )
        if file._in_memory and self.in_memory + len(data) > self.limits.spool_max_size:
            self.in_memory -= file.size
            await file._move_to_disk()
        if file._in_memory:
            self.in_memory += len(data)
        await file.write(data)

    def _field_data(self, part: _PartState, data: bytes) -> None:
        limit = self.limits.max_field_size
        if len(part.data) + len(data) > limit:
            raise limit_exceeded(
                f"form field {part.name!r} is larger than {limit} bytes", "max_field_size", limit
            )
        part.data += data

    async def _end_part(self, part: _PartState) -> None:
        if part.file is not None:
            await part.file.seek(0)
            return
        try:
            self.items.append((part.name, part.data.decode("utf-8")))
        except UnicodeDecodeError:
            raise HTTPError(400, f"form field {part.name!r} is not valid UTF-8") from None


async def parse_multipart(
    content_type: str,
    stream: AsyncIterator[bytes],
    limits: FormLimits,
    *,
    content_length: str | None = None,
) -> FormData:
    """Parse a ``multipart/form-data`` body as it streams in.

    ``stream`` yields the raw body without a size cap of its own: ``max_upload_size`` is
    checked here, against ``content_length`` first and then on the bytes received.
    """
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise HTTPError(400, "multipart/form-data without a boundary parameter")
    total = limits.max_upload_size
    if total is not None and content_length is not None:
        try:
            declared = int(content_length)
        except ValueError:
            raise HTTPError(400, "the Content-Length header is not a number") from None
        if declared > total:
            raise _upload_too_large(total)
    events: list[tuple[str, bytes]] = []

    def on(name: str) -> Any:
        return lambda data=b"", start=0, end=0: events.append((name, data[start:end]))

    parser = MultipartParser(boundary, {name: on(name) for name in _EVENTS})  # type: ignore[arg-type]
    form = _Builder(limits)
    received = 0
    try:
        async for chunk in stream:
            received += len(chunk)
            if total is not None and received > total:
                raise _upload_too_large(total)
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise HTTPError(400, f"malformed multipart body: {exc}") from None
            for event, data in events:
                await form.apply(event, data)
            events.clear()
        parser.finalize()
    except BaseException:
        await FormData(form.items).close()
        raise
    return FormData(form.items)


def _upload_too_large(limit: int) -> HTTPError:
    return limit_exceeded(
        f"the multipart body is larger than {limit} bytes", "max_upload_size", limit
    )


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
