"""The errors covet-web raises, and the one users raise to answer with an HTTP error.

    WebError
    ├── ConfigurationError (ValueError)       a route, converter or option that cannot work
    ├── MissingDependencyError (ImportError)  an optional extra is not installed
    ├── URLBuildError (LookupError)           url_for() with an unknown name or wrong params
    ├── ClientDisconnect (ConnectionError)    the client left while the body was being read
    └── HTTPError                             becomes an RFC 9457 problem details response
        └── RequestValidationError            422, one entry per failing field

Raise :class:`HTTPError` from a handler (or a dependency) to answer with a problem::

    raise HTTPError(404, "no item 42", instance="/items/42")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

__all__ = [
    "ClientDisconnect",
    "ConfigurationError",
    "HTTPError",
    "MissingDependencyError",
    "RequestValidationError",
    "URLBuildError",
    "WebError",
]


def status_phrase(status: int) -> str:
    """The standard reason phrase of ``status`` (``"Error"`` for an unregistered code)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class WebError(Exception):
    """The root of every error covet-web raises."""


class ConfigurationError(WebError, ValueError):
    """An application, route or converter is set up wrongly; raised at start-up."""


class MissingDependencyError(WebError, ImportError):
    """A feature needs an optional dependency; the message names the extra to install."""

    def __init__(self, feature: str, package: str, extra: str) -> None:
        super().__init__(
            f"{feature} needs {package}, which is not installed: pip install 'covet-web[{extra}]'"
        )
        self.package = package
        self.extra = extra


class URLBuildError(WebError, LookupError):
    """``url_for()`` was given an unknown route name or parameters that do not fit it."""


class ClientDisconnect(WebError, ConnectionError):
    """The client disconnected before the request body was read in full."""


class HTTPError(WebError):
    """An error answered as ``application/problem+json`` (RFC 9457).

    ``status`` is the HTTP status (400-599); ``detail`` explains this occurrence;
    ``title`` defaults to the status phrase and ``type`` to ``"about:blank"``;
    ``headers`` are added to the response; any other keyword becomes an extension
    member of the problem object (it must be JSON-serializable).
    """

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        type: str | None = None,
        instance: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        if not 400 <= status <= 599:
            raise ValueError(f"HTTPError status must be 400-599, got {status}")
        self.status = status
        self.detail = detail
        self.title = title if title is not None else status_phrase(status)
        self.type = type if type is not None else "about:blank"
        self.instance = instance
        self.headers: dict[str, str] = dict(headers) if headers else {}
        self.extensions: dict[str, Any] = extensions
        super().__init__(f"{status} {self.title}" + (f": {detail}" if detail else ""))

    @property
    def status_code(self) -> int:
        """Alias of :attr:`status`, as in the response classes."""
        return self.status


class RequestValidationError(HTTPError):
    """The request did not validate: 422 listing each failing field.

    Each error is a mapping ``{"loc": ["query", "limit"], "msg": "...", "type": "..."}``;
    ``loc`` starts with the location (``path``, ``query``, ``header``, ``cookie``,
    ``body``, ``form``, ``file``) followed by the field path.
    """

    def __init__(
        self,
        errors: Sequence[Mapping[str, Any]],
        *,
        detail: str | None = None,
        status: int = 422,
    ) -> None:
        self.errors: list[dict[str, Any]] = [dict(error) for error in errors]
        count = len(self.errors)
        if detail is None:
            detail = (
                "1 field failed validation" if count == 1 else f"{count} fields failed validation"
            )
        super().__init__(status, detail, errors=self.errors)
