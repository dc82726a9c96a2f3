"""Conditional requests (RFC 9110 section 13): ETag and Last-Modified comparisons.

:func:`evaluate` applies the preconditions in the order the RFC prescribes and says whether
to send the representation, answer 304 Not Modified, or 412 Precondition Failed;
:func:`range_allowed` checks ``If-Range``.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Literal

__all__ = ["evaluate", "range_allowed"]

Outcome = Literal["send", "not-modified", "failed"]


def _http_date(value: str) -> float | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return None  # not an HTTP-date (those are always GMT)
    return parsed.timestamp()


def _tags(value: str) -> list[str]:
    """The entity tags of an ``If-Match``/``If-None-Match`` list, quotes kept."""
    return [tag.strip() for tag in value.split(",") if tag.strip()]


def _weak_match(tag: str, etag: str) -> bool:
    return tag.removeprefix("W/") == etag.removeprefix("W/")


def _strong_match(tag: str, etag: str) -> bool:
    return not tag.startswith("W/") and not etag.startswith("W/") and tag == etag


def evaluate(
    method: str,
    etag: str | None,
    last_modified: float | None,
    *,
    if_match: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    if_unmodified_since: str | None,
) -> Outcome:
    """The outcome of a request's preconditions for a representation with these validators.

    ``last_modified`` is a POSIX timestamp (compared at one-second resolution, as HTTP
    dates are); validators the representation lacks never match.
    """
    if if_match is not None:
        tags = _tags(if_match)
        if not (etag is not None and ("*" in tags or any(_strong_match(t, etag) for t in tags))):
            return "failed"
    elif if_unmodified_since is not None and last_modified is not None:
        since = _http_date(if_unmodified_since)
        if since is not None and int(last_modified) > since:
            return "failed"
    safe = method in ("GET", "HEAD")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        if etag is not None and ("*" in tags or any(_weak_match(t, etag) for t in tags)):
            return "not-modified" if safe else "failed"
    elif if_modified_since is not None and last_modified is not None and safe:
        since = _http_date(if_modified_since)
        if since is not None and int(last_modified) <= since:
            return "not-modified"
    return "send"


def range_allowed(if_range: str | None, etag: str | None, last_modified: str | None) -> bool:
    """Whether a ``Range`` may be honoured given ``If-Range`` (True when there is none).

    An entity tag must match strongly; a date must equal ``Last-Modified`` exactly.
    """
    if if_range is None:
        return True
    if_range = if_range.strip()
    if if_range.startswith(('"', "W/")):
        return etag is not None and _strong_match(if_range, etag)
    return last_modified is not None and if_range == last_modified
