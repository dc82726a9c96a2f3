"""Errors raised while turning a request into handler arguments.

They extend the package's tree (``covet.web.errors``)::

    HTTPError
    ├── RequestValidationError      422: every failing field (defined in errors.py)
    ├── MalformedBodyError          400: the body is not valid JSON (or is nested too deeply)
    ├── UnsupportedMediaTypeError   415: the body's content type does not fit the handler
    └── UploadTooLargeError         413: an uploaded part exceeds its ``File(max_size=)``
    ConfigurationError
    └── ParameterError              at start-up: a handler signature that cannot be planned

Being ``HTTPError`` subclasses, the app renders them as RFC 9457 problems.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigurationError, HTTPError, RequestValidationError

__all__ = [
    "ErrorDetail",
    "MalformedBodyError",
    "ParameterError",
    "RequestValidationError",
    "UnsupportedMediaTypeError",
    "UploadTooLargeError",
]

ErrorDetail = dict[str, Any]
"""One failing field: ``{"loc": ["query", "limit"], "msg": "...", "type": "..."}``.

``type`` is one of ``missing``, ``type_error``, ``constraint``, ``enum``,
``unknown_field``, ``value_error`` (custom validators, ``__post_init__``), ``union`` (no
member of a union body matched; ``msg`` names each and why); errors from pydantic models
keep pydantic's own types.
"""


class MalformedBodyError(HTTPError):
    """The body could not be decoded (malformed JSON, bad encoding): 400."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail, title="Malformed request body")


class UnsupportedMediaTypeError(HTTPError):
    """The body's ``Content-Type`` is not one the handler accepts: 415."""

    def __init__(self, detail: str) -> None:
        super().__init__(415, detail)


class UploadTooLargeError(HTTPError):
    """An uploaded file is larger than its ``File(max_size=...)``: 413."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


class ParameterError(ConfigurationError, TypeError):
    """A handler or dependency signature cannot be turned into a plan (raised at start-up)."""
