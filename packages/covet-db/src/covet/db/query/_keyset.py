"""Keyset (seek) pagination: the WHERE condition for "rows after this one" in an order.

For one direction throughout it is a row comparison, ``("created", "id") > ($1, $2)``,
which an index on (created, id) serves. For mixed directions it expands to
``a > $1 OR (a = $2 AND b < $3)``. The last order column must make the order unique
(an id), or rows that tie on every column may be skipped or repeated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import CompileError
from ._base import P_CMP, ClauseElement
from ._elements import Bind, BoolList, ColumnElement, Label, OrderItem, binary_op
from ._operators import Tuple

__all__ = ["keyset_condition"]


def _order_parts(item: ClauseElement) -> tuple[ColumnElement, bool]:
    if isinstance(item, OrderItem):
        element, descending = item.element, item.descending
    elif isinstance(item, ColumnElement):
        element, descending = item, False
    else:
        raise CompileError(f"cannot page on the order item {item!r}")
    if isinstance(element, Label):
        element = element.element
    return element, descending


def keyset_condition(
    order: Sequence[ClauseElement], values: Sequence[Any], after: bool
) -> ColumnElement:
    """The condition selecting rows after (or before) ``values`` in ``order``."""
    where = "after()" if after else "before()"
    if not order:
        raise CompileError(f"{where} needs order_by(...) first: a page follows an order")
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise TypeError(f"{where} takes a tuple of values, one per order_by column")
    if len(values) != len(order):
        raise CompileError(
            f"{where} got {len(values)} value(s) for {len(order)} order_by column(s)"
        )
    parts = [_order_parts(item) for item in order]
    for (element, _), value in zip(parts, values, strict=True):
        if value is None:
            raise CompileError(
                f"{where} got None for {element!r}: keyset pagination needs non-NULL order columns"
            )
    if isinstance(values[0], ClauseElement):
        raise TypeError(f"{where} takes plain values (the last row's), not SQL expressions")

    def op_for(descending: bool) -> str:
        return ">" if after != descending else "<"

    directions = {descending for _, descending in parts}
    if len(directions) == 1:
        op = op_for(parts[0][1])
        if len(parts) == 1:
            return binary_op(parts[0][0], op, Bind(values[0]), P_CMP)
        left = Tuple(tuple(element for element, _ in parts))
        right = Tuple(tuple(Bind(v) for v in values))
        return binary_op(left, op, right, P_CMP)
    branches: list[ColumnElement] = []
    for i, (element, descending) in enumerate(parts):
        terms: list[ColumnElement] = [
            binary_op(parts[j][0], "=", Bind(values[j]), P_CMP) for j in range(i)
        ]
        terms.append(binary_op(element, op_for(descending), Bind(values[i]), P_CMP))
        branches.append(terms[0] if len(terms) == 1 else BoolList("AND", tuple(terms)))
    return BoolList("OR", tuple(branches))
