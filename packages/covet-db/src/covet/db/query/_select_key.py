"""The shape key of a SELECT, and the clauses most SELECTs leave empty.

The key is one flat tuple: the parts' keys, each clause opened by its marker and left
out when empty. A flat tuple is built and hashed faster than one tuple per clause, and
the markers, equal only to themselves, keep it unambiguous.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from ._base import ClauseElement, Marker
from ._elements import ColumnElement
from ._from import FromClause, StarColumns
from ._subquery import CTE

__all__ = ["LIMIT", "PLAIN", "Head", "RareParts", "all_plain", "shape_key"]


@dataclass(frozen=True, slots=True)
class RareParts:
    """The parts of a SELECT most statements leave empty, kept apart so that the copy
    each builder call makes stays short."""

    ctes: tuple[CTE, ...] = ()
    distinct: bool | tuple[ColumnElement, ...] = False
    group: tuple[ColumnElement, ...] = ()
    having: ColumnElement | None = None
    offset: int | None = None
    lock: tuple[str, tuple[FromClause, ...], str] | None = None


PLAIN = RareParts()


_WITH = Marker("WITH")
_DISTINCT = Marker("DISTINCT")
_DISTINCT_ON = Marker("DISTINCT ON")
_FROM = Marker("FROM")
_JOINS = Marker("JOINS")
_WHERE = Marker("WHERE")
_GROUP = Marker("GROUP BY")
_HAVING = Marker("HAVING")
_ORDER = Marker("ORDER BY")
_LIMIT = LIMIT = Marker("LIMIT")
_OFFSET = Marker("OFFSET")
_LOCK = Marker("FOR")


def shape_key(
    tag: str,
    more: RareParts,
    cols: tuple[ColumnElement, ...],
    froms: tuple[FromClause, ...],
    anchor: int,
    joins: tuple[tuple[str, FromClause, ColumnElement | None], ...],
    where: tuple[ColumnElement, ...],
    order: tuple[ClauseElement, ...],
    limit: int | None,
) -> tuple[Hashable, tuple[Any, ...]]:
    """A SELECT's shape key and its parameters in SQL order: ``froms`` is the FROM list,
    with the joins rendered after ``froms[anchor]``."""
    key: list[Hashable] = [tag]
    params: tuple[Any, ...] = ()
    if more is not PLAIN:
        if more.ctes:
            key.append(_WITH)
            for cte in more.ctes:
                k, p = cte._definition()
                key.append(k)
                params += p
        distinct = more.distinct
        if distinct is True:
            key.append(_DISTINCT)
        elif type(distinct) is tuple:
            key.append(_DISTINCT_ON)
            for expr in distinct:
                key.append(expr._key)
                params += expr._params
    if type(cols) is StarColumns:
        key.extend(cols._keys)  # a table's columns, which have no parameters
    else:
        for col in cols:
            key.append(col._key)
            if col._params:
                params += col._params
    if froms or joins:
        key.append(_FROM)
        split = anchor + 1 if joins else len(froms)
        for item in froms[:split]:
            key.append(item._key)
            if item._params:
                params += item._params
        if joins:
            key.append(_JOINS)
            for kind, target, on in joins:
                params += target._params
                if on is None:
                    key.append((kind, target._key, None))
                else:
                    key.append((kind, target._key, on._key))
                    params += on._params
            key.append(_FROM)
            for item in froms[split:]:
                key.append(item._key)
                params += item._params
    if where:
        key.append(_WHERE)
        for cond in where:
            key.append(cond._key)
            params += cond._params
    if more is not PLAIN:
        if more.group:
            key.append(_GROUP)
            for expr in more.group:
                key.append(expr._key)
                params += expr._params
        having = more.having
        if having is not None:
            key.append(_HAVING)
            key.append(having._key)
            params += having._params
    if order:
        key.append(_ORDER)
        for part in order:
            key.append(part._key)
            if part._params:
                params += part._params
    if limit is not None:
        key.append(_LIMIT)
        params += (limit,)
    if more is not PLAIN:
        if more.offset is not None:
            key.append(_OFFSET)
            params += (more.offset,)
        lock = more.lock
        if lock is not None:
            key.append(_LOCK)
            key.append((lock[0], tuple([t._qual_key() for t in lock[1]]), lock[2]))
    return tuple(key), params


Joins = tuple[tuple[str, FromClause, ColumnElement | None], ...]


class Head:
    """What a SELECT reads and returns: its columns, FROM items, joins and rare parts.

    Builder calls that leave these alone (where, order_by, limit) share the Head of the
    select they start from, so its shape is worked out once: ``token``, a Marker that
    stands in the statement's shape key for all of it (equal heads get the same token),
    ``pre`` its parameters before WHERE and ``mid`` those of GROUP BY and HAVING.
    ``derived`` remembers the selects made from a select of nothing but this head (see
    ``Select._derived``).
    """

    __slots__ = ("cols", "derived", "froms", "joins", "mid", "more", "pre", "token")

    def __init__(
        self,
        cols: tuple[ColumnElement, ...],
        froms: tuple[FromClause, ...],
        joins: Joins,
        more: RareParts,
    ) -> None:
        self.cols = cols
        self.froms = froms
        self.joins = joins
        self.more = more
        self.token: Marker | None = None
        self.pre: tuple[Any, ...] = ()
        self.mid: tuple[Any, ...] = ()
        self.derived: dict[Hashable, Any] | None = None

    def shape(self) -> Marker:
        """Work out ``token``, ``pre`` and ``mid``; returns the token."""
        more = self.more
        froms = self.froms
        key, pre = shape_key(
            "select", more, self.cols, froms, len(froms) - 1, self.joins, (), (), None
        )
        mid: tuple[Any, ...] = ()
        if more is not PLAIN:
            # shape_key put GROUP BY and HAVING parameters (and OFFSET's) after the
            # others; they belong after WHERE's, so they are kept apart.
            if more.offset is not None:
                pre = pre[:-1]
            for expr in more.group:
                mid += expr._params
            if more.having is not None:
                mid += more.having._params
            if mid:
                pre = pre[: len(pre) - len(mid)]
        token = _TOKENS.get(key)
        if token is None:
            if len(_TOKENS) >= _TOKENS_SIZE:
                _TOKENS.clear()
            token = _TOKENS[key] = Marker("select")
        self.pre = pre
        self.mid = mid
        self.token = token
        return token


# Head shape keys to their tokens: equal heads built apart share one token, and so one
# entry in the compiled-SQL cache. Emptied when full (a head then gets a new token, and
# its statements a new cache entry: slower once, never wrong, since a token is never
# given to another key).
_TOKENS: dict[Hashable, Marker] = {}
_TOKENS_SIZE = 4096


def all_plain(froms: tuple[FromClause, ...], joins: Joins) -> bool:
    """True if no FROM item or join carries a parameter (their select can be remembered)."""
    if any(item._params for item in froms):
        return False
    return not any(target._params or (on is not None and on._params) for _, target, on in joins)
