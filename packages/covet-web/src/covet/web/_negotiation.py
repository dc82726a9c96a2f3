"""Content negotiation: pick the best media type the client accepts (RFC 9110 12.5.1)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

__all__ = ["MSGPACK_MEDIA_TYPES", "negotiate", "parse_accept", "wants_msgpack"]

MSGPACK_MEDIA_TYPES = ("application/msgpack", "application/x-msgpack", "application/vnd.msgpack")


@lru_cache(maxsize=256)
def parse_accept(header: str) -> tuple[tuple[str, float, int], ...]:
    """``(media_range, q, specificity)`` for each entry of an Accept header, best first.

    Malformed entries are skipped; a malformed q counts as 0 (not acceptable).
    """
    entries: list[tuple[str, float, int, int]] = []
    for index, item in enumerate(header.split(",")):
        media_range, *params = item.split(";")
        media_range = media_range.strip().lower()
        if not media_range or "/" not in media_range:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        main, _, sub = media_range.partition("/")
        specificity = 0 if main == "*" else 1 if sub == "*" else 2
        entries.append((media_range, q, specificity, index))
    entries.sort(key=lambda e: (-e[1], -e[2], e[3]))
    return tuple((m, q, s) for m, q, s, _ in entries)


def _quality(offer: str, accepted: tuple[tuple[str, float, int], ...]) -> float:
    main, _, sub = offer.partition("/")
    best: tuple[int, float] | None = None
    for media_range, q, specificity in accepted:
        r_main, _, r_sub = media_range.partition("/")
        if (
            (r_main in ("*", main))
            and (r_sub in ("*", sub))
            and (best is None or specificity > best[0])
        ):
            best = (specificity, q)
    return best[1] if best is not None else 0.0


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers (ties go to the earlier offer), or ``None``.

    No Accept header means anything is acceptable: the first offer wins.

    >>> negotiate("application/msgpack, */*;q=0.1", ["application/json", "application/msgpack"])
    'application/msgpack'
    """
    if not offers:
        return None
    if not accept:
        return offers[0]
    accepted = parse_accept(accept)
    best: str | None = None
    best_q = 0.0
    for offer in offers:
        q = _quality(offer.lower(), accepted)
        if q > best_q:
            best, best_q = offer, q
    return best


def wants_msgpack(accept: str) -> bool:
    """Whether the client prefers MessagePack over JSON."""
    if "msgpack" not in accept:
        return False
    chosen = negotiate(accept, ("application/json", *MSGPACK_MEDIA_TYPES))
    return chosen is not None and chosen in MSGPACK_MEDIA_TYPES
