"""Parsed forms: :class:`FormData`, :class:`UploadFile`, and url-encoded bodies.

Multipart bodies are parsed as they stream in, in ``_multipart.py``; the limits both
parsers enforce are in ``_form_limits.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any
from urllib.parse import parse_qsl

from ._datastructures import Headers
from ._form_limits import FormLimits, limit_exceeded
from .errors import HTTPError

__all__ = ["FormData", "UploadFile", "parse_urlencoded"]


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

    async def _move_to_disk(self) -> None:
        # Used while parsing, when the form's in-memory budget is spent.
        if self._in_memory:
            await asyncio.get_running_loop().run_in_executor(None, self.file.rollover)  # type: ignore[attr-defined]

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


def parse_urlencoded(body: bytes, limits: FormLimits) -> FormData:
    """Parse an urlencoded body (already size-checked by ``request.body()``)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPError(400, "the form body is not valid UTF-8") from None
    pairs = parse_qsl(text, keep_blank_values=True)
    if len(pairs) > limits.max_fields:
        raise limit_exceeded(
            f"the form has more than {limits.max_fields} fields", "max_fields", limits.max_fields
        )
    limit = limits.max_field_size
    for key, value in pairs:
        if len(value) > limit // 4 and len(value.encode()) > limit:
            raise limit_exceeded(
                f"form field {key!r} is larger than {limits.max_field_size} bytes",
                "max_field_size",
                limits.max_field_size,
            )
    return FormData(pairs)
