"""Limits on form bodies: what one request may upload, and where the limits come from.

A multipart body is not capped by the app's ``max_body_size`` (meant for JSON and other
bodies read whole) but by its own limits, checked while it streams in: the total size,
each file, each text field, and the number of parts. ``request.form()`` takes them from,
in order: its ``limits`` argument, the route's ``form_limits=``, the app's
``form_limits``, then the defaults; keyword options override single fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypedDict

from ._types import ASGIApp, Receive, Scope, Send
from .errors import ConfigurationError, HTTPError

__all__ = [
    "FormLimitOptions",
    "FormLimits",
    "form_limits_for",
    "limit_exceeded",
    "with_form_limits",
]

_MiB = 1024 * 1024
_SCOPE_KEY = "covet.form_limits"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FormLimits:
    """How much a form may carry (413 problem beyond any of them).

    - ``max_upload_size``: the whole multipart body, in bytes (100 MiB; ``None``: no limit).
      Checked against ``Content-Length`` before reading, and counted while streaming, so
      a chunked body without a length is stopped too.
    - ``max_file_size``: each uploaded file (``None``, the default: only the total applies).
    - ``max_files`` / ``max_fields``: how many file parts / text fields (1000 each).
    - ``max_field_size``: each text field, in bytes (1 MiB); text fields are kept in memory.
    - ``spool_max_size``: how much file data of one form stays in memory (1 MiB, all files
      together); beyond it, files go to temporary files on disk.

    A url-encoded form is read whole, so the app's ``max_body_size`` caps it;
    ``max_fields`` and ``max_field_size`` apply to it too.
    """

    max_upload_size: int | None = 100 * _MiB
    max_file_size: int | None = None
    max_files: int = 1000
    max_fields: int = 1000
    max_field_size: int = _MiB
    spool_max_size: int = _MiB

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            optional = field.name in ("max_upload_size", "max_file_size")
            if value is None and optional:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                expected = "a number >= 0 or None" if optional else "a number >= 0"
                raise ConfigurationError(
                    f"FormLimits.{field.name} must be {expected}, not {value!r}"
                )


class FormLimitOptions(TypedDict, total=False):
    """Keyword overrides of single :class:`FormLimits` fields (``request.form(**options)``)."""

    max_upload_size: int | None
    max_file_size: int | None
    max_files: int
    max_fields: int
    max_field_size: int
    spool_max_size: int


_DEFAULT = FormLimits()


def form_limits_for(
    scope: Scope, limits: FormLimits | None, options: Mapping[str, Any]
) -> FormLimits:
    """The limits for one ``request.form()`` call (see the module docstring for the order)."""
    if limits is None:
        limits = scope.get(_SCOPE_KEY)
    if limits is None:
        app_limits = getattr(scope.get("app"), "form_limits", None)
        limits = app_limits if isinstance(app_limits, FormLimits) else _DEFAULT
    if options:
        try:
            limits = dataclasses.replace(limits, **options)
        except TypeError:
            unknown = sorted(set(options) - {f.name for f in dataclasses.fields(FormLimits)})
            raise TypeError(f"unknown form limit(s) {unknown}") from None
    return limits


def with_form_limits(handler: ASGIApp, limits: FormLimits) -> ASGIApp:
    """Wrap a compiled route so its forms use the route's ``limits``."""

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        scope[_SCOPE_KEY] = limits
        await handler(scope, receive, send)

    return call


def limit_exceeded(detail: str, limit: str, value: int) -> HTTPError:
    """The 413 problem for going over ``limit`` (named in the problem's ``limit`` member)."""
    return HTTPError(413, f"{detail} ({limit})", limit=limit, maximum=value)
