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

__all__ = ["PLAIN", "RareParts", "shape_key"]


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
_LIMIT = Marker("LIMIT")
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
