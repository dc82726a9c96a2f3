"""RFC 9457 problem details: the one shape every error response takes.

``{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "..."}`` with
``Content-Type: application/problem+json``; extension members (``errors`` for validation,
``request_id`` for server errors) sit next to the standard ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._responses import Background, JSONResponse
from .errors import HTTPError, status_phrase

__all__ = ["PROBLEM_MEDIA_TYPE", "ProblemResponse", "problem_from_error", "problem_response"]

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemResponse(JSONResponse):
    """An ``application/problem+json`` response; ``content`` is the problem object."""

    media_type = PROBLEM_MEDIA_TYPE


def problem_document(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    type: str | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """The problem object as a dict (standard members first, then extensions)."""
    problem: dict[str, Any] = {
        "type": type or "about:blank",
        "title": title or status_phrase(status),
        "status": status,
    }
    if detail is not None:
        problem["detail"] = detail
    if instance is not None:
        problem["instance"] = instance
    for key, value in extensions.items():
        if key not in problem:
            problem[key] = value
    return problem


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    type: str | None = None,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    background: Background | None = None,
    **extensions: Any,
) -> ProblemResponse:
    """A problem details response::

    problem_response(409, "the name is taken", instance="/users/ada", field="name")
    """
    document = problem_document(
        status, detail, title=title, type=type, instance=instance, **extensions
    )
    return ProblemResponse(document, status_code=status, headers=headers, background=background)


def problem_from_error(exc: HTTPError) -> ProblemResponse:
    """The response for an :class:`~covet.web.errors.HTTPError`."""
    return problem_response(
        exc.status,
        exc.detail,
        title=exc.title,
        type=exc.type,
        instance=exc.instance,
        headers=exc.headers or None,
        **exc.extensions,
    )
