"""Path templates: ``/items/{id:int}/files/{rest:path}`` parsed into segments once.

A template splits on ``/`` into segments; a segment is literal text, one whole
parameter, literal text mixed with parameters (``{name}.{ext}``) or, last only, a ``path``
parameter that takes the rest of the path. The same parsed form matches requests (see
``_tree``) and builds URLs (``format``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from ..errors import ConfigurationError, URLBuildError
from ._converters import Converter, ConverterRegistry

__all__ = [
    "ParamSegment",
    "PathTemplate",
    "PatternSegment",
    "RestSegment",
    "Segment",
    "parse_template",
]

_PARAM = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# RFC 3986 pchar minus "%" (so that url_for escapes it); "/" is added for path params.
_SAFE = "-._~!$&'()*+,;=:@"


class ParamSegment:
    """A segment that is exactly one parameter: ``{id:int}``."""

    __slots__ = ("converter", "fullmatch", "name", "to_python")

    def __init__(self, name: str, converter: Converter) -> None:
        self.name = name
        self.converter = converter
        self.fullmatch = converter._regex.fullmatch
        self.to_python = converter.to_python

    @property
    def key(self) -> tuple[Any, ...]:
        return ("param", self.name, self.converter.name, self.converter.pattern)


class PatternSegment:
    """Literal text mixed with parameters in one segment: ``{name}.{ext}``."""

    __slots__ = ("converters", "fullmatch", "names", "pattern", "pieces")

    def __init__(self, pieces: list[str | tuple[str, Converter]]) -> None:
        self.pieces = pieces
        self.pattern = "".join(
            re.escape(piece) if isinstance(piece, str) else f"(?P<{piece[0]}>{piece[1].pattern})"
            for piece in pieces
        )
        self.fullmatch = re.compile(self.pattern).fullmatch
        params = [piece for piece in pieces if not isinstance(piece, str)]
        self.names = [name for name, _ in params]
        self.converters = [converter for _, converter in params]

    @property
    def key(self) -> tuple[Any, ...]:
        return ("pattern", self.pattern, tuple(self.names))


class RestSegment:
    """A final ``{name:path}`` parameter: the rest of the path, slashes included."""

    __slots__ = ("converter", "fullmatch", "name", "to_python")

    def __init__(self, name: str, converter: Converter) -> None:
        self.name = name
        self.converter = converter
        self.fullmatch = converter._regex.fullmatch
        self.to_python = converter.to_python

    @property
    def key(self) -> tuple[Any, ...]:
        return ("rest", self.name, self.converter.pattern)


Segment = str | ParamSegment | PatternSegment | RestSegment


class PathTemplate:
    """A parsed route path: its segments and parameters."""

    __slots__ = ("params", "path", "segments")

    def __init__(self, path: str, segments: list[Segment], params: dict[str, Converter]) -> None:
        self.path = path
        self.segments = segments
        self.params = params

    @property
    def is_static(self) -> bool:
        """Whether the path has no parameters (so a dict lookup finds it)."""
        return not self.params

    def format(self, values: Mapping[str, Any]) -> str:
        """The path with ``values`` filled in (escaped); the inverse of matching."""
        missing = [name for name in self.params if name not in values]
        extra = [name for name in values if name not in self.params]
        if missing or extra:
            expected = ", ".join(self.params) or "none"
            problems = []
            if missing:
                problems.append("missing " + ", ".join(missing))
            if extra:
                problems.append("unexpected " + ", ".join(extra))
            raise URLBuildError(f"{self.path}: {'; '.join(problems)} (parameters: {expected})")
        parts: list[str] = []
        for segment in self.segments:
            if isinstance(segment, str):
                parts.append(segment)
            elif isinstance(segment, PatternSegment):
                parts.append(
                    "".join(
                        quote(piece, safe=_SAFE)
                        if isinstance(piece, str)
                        else _to_url(piece[0], piece[1], values[piece[0]], "")
                        for piece in segment.pieces
                    )
                )
            else:
                safe = "/" if isinstance(segment, RestSegment) else ""
                parts.append(_to_url(segment.name, segment.converter, values[segment.name], safe))
        return "/" + "/".join(parts)

    def __repr__(self) -> str:
        return f"PathTemplate({self.path!r})"


def _to_url(name: str, converter: Converter, value: Any, safe: str) -> str:
    try:
        text = converter.to_url(value)
    except (TypeError, ValueError) as exc:
        raise URLBuildError(
            f"parameter {name!r}: {value!r} ({type(value).__name__}) does not fit "
            f"the {converter.name} converter: {exc}"
        ) from None
    if not converter.fullmatch(text):
        raise URLBuildError(
            f"parameter {name!r}: {text!r} does not match the {converter.name} converter"
        )
    return quote(text, safe=_SAFE + safe)


def parse_template(
    path: str,
    registry: ConverterRegistry,
    annotation_for: Callable[[str], Any] | None = None,
) -> PathTemplate:
    """Parse ``path``; ``annotation_for(name)`` types a parameter written without a converter."""
    if not path.startswith("/"):
        raise ConfigurationError(f"route path {path!r} must start with '/'")
    raw_segments = path[1:].split("/")
    segments: list[Segment] = []
    params: dict[str, Converter] = {}
    for index, raw in enumerate(raw_segments):
        matches = list(_PARAM.finditer(raw))
        leftover = _PARAM.sub("", raw)
        if "{" in leftover or "}" in leftover:
            raise ConfigurationError(f"route path {path!r}: unbalanced braces in {raw!r}")
        if not matches:
            segments.append(raw)
            continue
        found: list[tuple[str, Converter]] = []
        for match in matches:
            name, _, converter_name = match.group(1).partition(":")
            name, converter_name = name.strip(), converter_name.strip()
            if not _NAME.fullmatch(name):
                raise ConfigurationError(
                    f"route path {path!r}: parameter name {name!r} must be an identifier"
                )
            if name in params or any(name == n for n, _ in found):
                raise ConfigurationError(f"route path {path!r}: parameter {name!r} appears twice")
            if converter_name:
                converter = registry.get(converter_name)
            elif annotation_for is not None:
                converter = registry.for_annotation(annotation_for(name))
            else:
                converter = registry.get("str")
            found.append((name, converter))
        params.update(found)
        whole = len(matches) == 1 and matches[0].group(0) == raw
        rest = [c for _, c in found if c.name == "path" or "/" in _probe(c)]
        if rest:
            if not whole or index != len(raw_segments) - 1:
                raise ConfigurationError(
                    f"route path {path!r}: a path parameter must be a whole, final segment"
                )
            segments.append(RestSegment(*found[0]))
        elif whole:
            segments.append(ParamSegment(*found[0]))
        else:
            pieces: list[str | tuple[str, Converter]] = []
            position = 0
            for match, param in zip(matches, found, strict=True):
                if match.start() > position:
                    pieces.append(raw[position : match.start()])
                pieces.append(param)
                position = match.end()
            if position < len(raw):
                pieces.append(raw[position:])
            segments.append(PatternSegment(pieces))
    return PathTemplate(path, segments, params)


def _probe(converter: Converter) -> str:
    # A user converter whose pattern can match "/" spans segments, like "path".
    return "/" if converter.fullmatch("a/b") else ""
