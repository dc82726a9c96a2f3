"""HTTP byte ranges (RFC 9110 section 14): parsing ``Range`` and framing the parts.

``parse_range`` turns a header into the ranges to send, or tells the caller to ignore the
header (anything malformed or not in bytes) or to answer 416 (nothing satisfiable).
Several ranges are sent as ``multipart/byteranges``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["ByteRanges", "Unsatisfiable", "parse_range"]

# More ranges than this (after merging overlaps) is not a real client: send everything.
MAX_RANGES = 64


_DIGITS = re.compile(r"[0-9]*")


def _number(digits: str) -> int:
    # Beyond any file size; also keeps int() clear of its 4300-digit limit.
    return int(digits) if len(digits) <= 18 else 10**18


class Unsatisfiable(Exception):
    """No range of the header overlaps the representation: answer 416."""


def parse_range(header: str, size: int) -> list[tuple[int, int]] | None:
    """The ``(start, end)`` byte pairs (``end`` inclusive) that ``header`` asks of ``size`` bytes.

    None means "ignore the header and send the whole representation" (another unit, bad
    syntax, too many ranges). Raises :class:`Unsatisfiable` when the header is valid but
    no range overlaps the content. Overlapping and adjacent ranges are merged.
    """
    unit, sep, specs = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    ranges: list[tuple[int, int]] = []
    valid = False
    for spec in specs.split(","):
        spec = spec.strip()
        if not spec:
            continue  # RFC 9110 list syntax tolerates empty elements
        first, dash, last = spec.partition("-")
        first, last = first.strip(), last.strip()
        if not dash or not _DIGITS.fullmatch(first) or not _DIGITS.fullmatch(last):
            return None
        if not first:
            if not last:
                return None
            valid = True
            suffix = _number(last)
            if suffix > 0 and size > 0:
                ranges.append((max(size - suffix, 0), size - 1))
            continue
        start = _number(first)
        end = _number(last) if last else size - 1
        if last and end < start:
            return None
        valid = True
        if start < size:
            ranges.append((start, min(end, size - 1)))
    if not valid:
        return None
    if not ranges:
        raise Unsatisfiable
    merged = _merge(ranges)
    return merged if len(merged) <= MAX_RANGES else None


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if len(ranges) == 1:
        return ranges
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True, slots=True)
class ByteRanges:
    """The framing of a ``multipart/byteranges`` body for ``ranges`` of a ``size``-byte file."""

    ranges: list[tuple[int, int]]
    size: int
    content_type: str
    boundary: str

    @classmethod
    def make(cls, ranges: list[tuple[int, int]], size: int, content_type: str) -> ByteRanges:
        """Framing with a fresh random boundary."""
        return cls(ranges, size, content_type, secrets.token_hex(16))

    @property
    def media_type(self) -> str:
        """The response's ``Content-Type``."""
        return f"multipart/byteranges; boundary={self.boundary}"

    def _part_header(self, index: int, start: int, end: int) -> bytes:
        lead = "\r\n" if index else ""
        return (
            f"{lead}--{self.boundary}\r\n"
            f"Content-Type: {self.content_type}\r\n"
            f"Content-Range: bytes {start}-{end}/{self.size}\r\n\r\n"
        ).encode("latin-1")

    @property
    def closing(self) -> bytes:
        """The delimiter that ends the body."""
        return f"\r\n--{self.boundary}--\r\n".encode("latin-1")

    def parts(self) -> Iterator[tuple[bytes, int, int]]:
        """``(part header, start, end)`` for each range, in order."""
        for index, (start, end) in enumerate(self.ranges):
            yield self._part_header(index, start, end), start, end

    @property
    def content_length(self) -> int:
        """The length of the whole multipart body."""
        total = len(self.closing)
        for header, start, end in self.parts():
            total += len(header) + end - start + 1
        return total
