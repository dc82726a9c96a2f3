"""Column expressions: values, operators, comparisons and their Python operator syntax.

``users.c.age >= 18``, ``(a == 1) | ~b.is_null()`` and ``col.in_([1, 2])`` build these
nodes. Every Python value becomes a bound parameter; nothing a user passes is ever
written into the SQL text.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, ClassVar

from ..errors import CompileError
from ._base import (
    P_ADD,
    P_AND,
    P_ATOM,
    P_CMP,
    P_MUL,
    P_NEG,
    P_NOT,
    P_OP,
    P_OR,
    ClauseElement,
    SelectBase,
)
from ._types import check_type_name
from ._writer import SQLWriter

__all__ = [
    "BinaryOp",
    "Bind",
    "BindParam",
    "BoolList",
    "ColumnElement",
    "Keyword",
    "OrderItem",
    "ScalarSelect",
    "ValueOp",
    "and_items",
    "binary_op",
    "coerce",
    "coerce_condition",
    "where_items",
]

_NOT_BOOL = (
    "the truth value of a SQL expression is undefined: combine conditions with "
    "& | ~ (or and_(), or_(), not_()), not with Python's and/or/not, and do not use a "
    "SQL expression in an if"
)


def _comparison(op: str) -> Callable[[ColumnElement, object], ColumnElement]:
    """The method behind one comparison operator: ``col >= 18`` and the like.

    Comparisons are the nodes a query builds most, so the common cases take the fewest
    calls: a plain value's ValueOp is filled in right here.
    """

    def compare(self: ColumnElement, other: object) -> ColumnElement:
        if type(other) is type(self) and self._memoable:
            # Two columns: the same node every time (a join's ON, mostly).
            key = (self, other, op)
            found = _PAIRS.get(key)
            if found is None:
                if len(_PAIRS) >= _PAIRS_SIZE:
                    _PAIRS.clear()
                found = _PAIRS[key] = binary_op(self, op, other, P_CMP)
            return found
        if isinstance(other, ClauseElement):
            if isinstance(other, ColumnElement) and other._quantified is None:
                return binary_op(self, op, other, P_CMP)
            return _compare(self, op, other)
        if other is None:
            return _compare(self, op, other)
        node = ValueOp()  # no __init__: the slots are filled here
        # Same key as BinaryOp(left, op, Bind(value)): the same SQL. The operator and
        # the value are read back from the key and the parameters.
        node._key = (op, self._key, "?")
        params = self._params
        node._params = (*params, other) if params else (other,)
        node.left = self
        return node

    return compare


# Comparisons of two columns, by (left, right, operator); emptied when full.
_PAIRS: dict[tuple[ColumnElement, ColumnElement, str], ColumnElement] = {}
_PAIRS_SIZE = 512


def _arithmetic(
    op: str, prec: int, reflected: bool
) -> Callable[[ColumnElement, object], ColumnElement]:
    """The method behind one arithmetic operator: ``col + 1``, and ``1 + col`` when
    ``reflected``. As for comparisons, the common case (a plain value) takes the fewest
    calls: ``binary_op`` and ``coerce`` are done here."""

    def compute(self: ColumnElement, other: object) -> ColumnElement:
        if isinstance(other, ColumnElement):
            right: ColumnElement = other
        elif isinstance(other, ClauseElement):
            right = coerce(other)
        else:
            right = Bind(other)
        if reflected:
            self, right = right, self
        node = BinaryOp()
        node._key = (op, self._key, right._key)
        node._params = self._params + right._params
        node.left = self
        node.operator = op
        node.right = right
        node._prec = prec  # type: ignore[misc]
        return node

    return compute


class ColumnElement(ClauseElement):
    """A SQL expression that has a value: a column, a parameter, an operation on them.

    Python operators build SQL: ``==`` ``!=`` ``<`` ``<=`` ``>`` ``>=`` compare (``== None``
    is ``IS NULL``), ``+ - * / %`` compute, ``& | ~`` are AND, OR and NOT.
    """

    __slots__ = ()

    # Set by any_()/all_() wrappers, which turn a comparison into ``op ANY(...)``.
    _quantified: ClassVar[Any] = None
    # True for columns: a comparison of two is made once (see _comparison).
    _memoable: ClassVar[bool] = False

    # Identity, as for any object, but the C slot: hashing a column (a dict key in the
    # builder's memos) must not cost a Python call.
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise TypeError(_NOT_BOOL)

    # comparisons (see _comparison)
    __eq__ = _comparison("=")  # type: ignore[assignment]
    __ne__ = _comparison("<>")  # type: ignore[assignment]
    __lt__ = _comparison("<")
    __le__ = _comparison("<=")
    __gt__ = _comparison(">")
    __ge__ = _comparison(">=")

    # arithmetic (see _arithmetic)
    __add__ = _arithmetic("+", P_ADD, False)
    __radd__ = _arithmetic("+", P_ADD, True)
    __sub__ = _arithmetic("-", P_ADD, False)
    __rsub__ = _arithmetic("-", P_ADD, True)
    __mul__ = _arithmetic("*", P_MUL, False)
    __rmul__ = _arithmetic("*", P_MUL, True)
    __truediv__ = _arithmetic("/", P_MUL, False)
    __rtruediv__ = _arithmetic("/", P_MUL, True)
    __mod__ = _arithmetic("%", P_MUL, False)
    __rmod__ = _arithmetic("%", P_MUL, True)

    def __neg__(self) -> ColumnElement:
        return Negative(self)

    # boolean logic
    def __and__(self, other: object) -> ColumnElement:
        return BoolList("AND", (self, coerce_condition(other, "&")))

    def __rand__(self, other: object) -> ColumnElement:
        return BoolList("AND", (coerce_condition(other, "&"), self))

    def __or__(self, other: object) -> ColumnElement:
        return BoolList("OR", (self, coerce_condition(other, "|")))

    def __ror__(self, other: object) -> ColumnElement:
        return BoolList("OR", (coerce_condition(other, "|"), self))

    def __invert__(self) -> ColumnElement:
        return Not(self)

    # named operators
    def in_(self, values: Iterable[Any] | SelectBase) -> ColumnElement:
        """``IN``: a list becomes one array parameter on PostgreSQL (``= ANY($1)``) and
        ``(?, ?, ...)`` on SQLite; an empty list is always false. A select is a subquery."""
        return _in(self, values, False)

    def not_in(self, values: Iterable[Any] | SelectBase) -> ColumnElement:
        """``NOT IN`` (``<> ALL($1)`` on PostgreSQL); an empty list is always true."""
        return _in(self, values, True)

    def between(self, low: object, high: object) -> ColumnElement:
        """``BETWEEN low AND high`` (both ends included)."""
        return Between(self, coerce(low), coerce(high), False)

    def not_between(self, low: object, high: object) -> ColumnElement:
        """``NOT BETWEEN low AND high``."""
        return Between(self, coerce(low), coerce(high), True)

    def like(self, pattern: object, escape: str | None = None) -> ColumnElement:
        """``LIKE pattern`` (case-insensitive for ASCII on SQLite by default)."""
        return Like(self, coerce(pattern), False, False, escape)

    def not_like(self, pattern: object, escape: str | None = None) -> ColumnElement:
        """``NOT LIKE pattern``."""
        return Like(self, coerce(pattern), False, True, escape)

    def ilike(self, pattern: object, escape: str | None = None) -> ColumnElement:
        """Case-insensitive ``LIKE``: ``ILIKE`` on PostgreSQL, ``LIKE`` on SQLite."""
        return Like(self, coerce(pattern), True, False, escape)

    def not_ilike(self, pattern: object, escape: str | None = None) -> ColumnElement:
        """``NOT ILIKE pattern`` (``NOT LIKE`` on SQLite)."""
        return Like(self, coerce(pattern), True, True, escape)

    def startswith(self, prefix: str) -> ColumnElement:
        """``LIKE 'prefix%'`` with ``%``, ``_`` and ``\\`` in ``prefix`` matched literally."""
        return Like(self, Bind(_escape_like(prefix) + "%"), False, False, "\\")

    def endswith(self, suffix: str) -> ColumnElement:
        """``LIKE '%suffix'``, matching ``suffix`` literally."""
        return Like(self, Bind("%" + _escape_like(suffix)), False, False, "\\")

    def contains(self, text: str) -> ColumnElement:
        """``LIKE '%text%'``, matching ``text`` literally."""
        return Like(self, Bind("%" + _escape_like(text) + "%"), False, False, "\\")

    def is_null(self) -> ColumnElement:
        """``IS NULL`` (also spelled ``col == None``)."""
        return IsNull(self, False)

    def is_not_null(self) -> ColumnElement:
        """``IS NOT NULL`` (also spelled ``col != None``)."""
        return IsNull(self, True)

    def is_distinct_from(self, other: object) -> ColumnElement:
        """``IS DISTINCT FROM``: ``<>`` where NULL equals NULL."""
        return binary_op(self, "IS DISTINCT FROM", coerce(other), P_CMP)

    def is_not_distinct_from(self, other: object) -> ColumnElement:
        """``IS NOT DISTINCT FROM``: ``=`` where NULL equals NULL."""
        return binary_op(self, "IS NOT DISTINCT FROM", coerce(other), P_CMP)

    def any(self, values: Iterable[Any] | SelectBase) -> ColumnElement:
        """``col = ANY(values)``: same as ``in_`` for a list or a select."""
        return _in(self, values, False)

    def concat(self, other: object) -> ColumnElement:
        """String concatenation, ``||``."""
        return binary_op(self, "||", coerce(other), P_OP)

    def op(self, operator: str) -> _CustomOp:
        """A binary operator by its SQL spelling: ``col.op("@>")(other)``."""
        return _CustomOp(self, operator)

    def label(self, name: str) -> Label:
        """``expr AS "name"`` in a select list."""
        return Label(self, name)

    def cast(self, type_: str | type) -> ColumnElement:
        """``CAST(expr AS type_)``."""
        return Cast(self, type_)

    def asc(self) -> OrderItem:
        """Ascending order (for ``order_by``)."""
        return OrderItem(self, False, None)

    def desc(self) -> OrderItem:
        """Descending order (for ``order_by``)."""
        return OrderItem(self, True, None)

    def nulls_first(self) -> OrderItem:
        """Ascending, NULLs first."""
        return OrderItem(self, False, "FIRST")

    def nulls_last(self) -> OrderItem:
        """Ascending, NULLs last."""
        return OrderItem(self, False, "LAST")

    def distinct(self) -> ColumnElement:
        """``DISTINCT expr``, for aggregates: ``func.count(col.distinct())``."""
        return Prefixed("DISTINCT ", self)


class Bind(ColumnElement):
    """A bound parameter holding one Python value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self._key = "?"
        self._params = (value,)
        self.value = value

    def _render(self, w: SQLWriter) -> None:
        w.bind(self.value)


class BindParam(ColumnElement):
    """A named parameter whose value comes at execution: ``bindparam("uid")``.

    ``db.fetch_all(stmt, {"uid": 5})`` fills it; a missing or unknown name is a
    CompileError.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if type(name) is not str or not name:
            raise TypeError(f"bindparam() needs a non-empty str name, got {name!r}")
        self._key = "?n"
        self._params = (self,)
        self.name = name

    def _render(self, w: SQLWriter) -> None:
        w.bind(self)

    def __repr__(self) -> str:
        return f"bindparam({self.name!r})"


class Keyword(ColumnElement):
    """A fixed SQL keyword: NULL, TRUE, FALSE, ``*``."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self._key = text
        self._params = ()
        self.text = text

    def _render(self, w: SQLWriter) -> None:
        w.write(self.text)


class BinaryOp(ColumnElement):
    """``left op right``; built by ``binary_op``."""

    __slots__ = ("_prec", "left", "operator", "right")

    left: ColumnElement
    operator: str
    right: ColumnElement

    def __bool__(self) -> bool:
        # Lets ``col in [a, b]`` and list.index work on columns, as identity.
        if self.operator == "=" and type(self.right) is not Bind:
            return self.left is self.right
        if self.operator == "<>" and type(self.right) is not Bind:
            return self.left is not self.right
        raise TypeError(_NOT_BOOL)

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.left, self.right)

    def _render(self, w: SQLWriter) -> None:
        prec = self._prec
        if prec == P_CMP:
            w.sub(self.left, P_CMP + 1)
        elif prec == P_OP:
            w.sub(self.left, P_ATOM)
        else:
            w.sub(self.left, prec)
        w.write(f" {self.operator} ")
        w.sub(self.right, P_ATOM if prec == P_OP else prec + 1)


class ValueOp(ColumnElement):
    """``expr op $n``: a comparison with a plain value, as one node (see ``_comparison``)."""

    __slots__ = ("left",)
    _prec = P_CMP

    left: ColumnElement

    @property
    def operator(self) -> str:
        """The comparison operator, as in SQL."""
        return self._key[0]  # type: ignore[index,no-any-return]

    @property
    def value(self) -> Any:
        """The value compared with (a bound parameter)."""
        return self._params[-1]

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.left,)

    def _render(self, w: SQLWriter) -> None:
        w.sub(self.left, P_CMP + 1)
        w.write(f" {self.operator} ")
        w.bind(self.value)


class _CustomOp:
    __slots__ = ("left", "operator")

    def __init__(self, left: ColumnElement, operator: str) -> None:
        if (
            type(operator) is not str
            or not operator
            or any(ch not in "+-*/<>=~!@#%^&|`?" for ch in operator)
        ):
            raise CompileError(
                f"op() takes an operator made of +-*/<>=~!@#%^&|`? characters, got {operator!r}"
            )
        if "--" in operator or "/*" in operator:
            raise CompileError(f"op() operator {operator!r} would start a comment")
        self.left = left
        self.operator = operator

    def __call__(self, other: object) -> ColumnElement:
        return binary_op(self.left, self.operator, coerce(other), P_OP)


class Negative(ColumnElement):
    """``-expr``."""

    __slots__ = ("operand",)
    _prec = P_NEG

    def __init__(self, operand: ColumnElement) -> None:
        self._key = ("neg", operand._key)
        self._params = operand._params
        self.operand = operand

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.operand,)

    def _render(self, w: SQLWriter) -> None:
        w.write("-")
        w.sub(self.operand, P_ATOM)  # never "--", which starts a comment


class Prefixed(ColumnElement):
    """A keyword before an expression: ``DISTINCT expr``."""

    __slots__ = ("operand", "prefix")
    _prec = P_NOT

    def __init__(self, prefix: str, operand: ColumnElement) -> None:
        self._key = (prefix, operand._key)
        self._params = operand._params
        self.prefix = prefix
        self.operand = operand

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.operand,)

    def _render(self, w: SQLWriter) -> None:
        w.write(self.prefix)
        w.sub(self.operand, P_CMP + 1)


class Not(ColumnElement):
    """``NOT expr``."""

    __slots__ = ("operand",)
    _prec = P_NOT

    def __init__(self, operand: ColumnElement) -> None:
        self._key = ("NOT", operand._key)
        self._params = operand._params
        self.operand = operand

    def __invert__(self) -> ColumnElement:
        return self.operand

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.operand,)

    def _render(self, w: SQLWriter) -> None:
        w.write("NOT ")
        w.sub(self.operand, P_ATOM)


class BoolList(ColumnElement):
    """``a AND b AND c`` or ``a OR b``; nested lists of the same kind are flattened."""

    __slots__ = ("_prec", "items", "operator")

    items: tuple[ColumnElement, ...]
    operator: str

    def __init__(self, op: str, items: tuple[ColumnElement, ...]) -> None:
        flat: list[ColumnElement] = []
        for item in items:
            if type(item) is BoolList and item.operator == op:
                flat.extend(item.items)
            else:
                flat.append(item)
        self.items = tuple(flat)
        self.operator = op
        self._prec = P_AND if op == "AND" else P_OR  # type: ignore[misc]
        key: list[Hashable] = [op]
        params: tuple[Any, ...] = ()
        for item in flat:
            key.append(item._key)
            if item._params:
                params += item._params
        self._key = tuple(key)
        self._params = params

    def _children(self) -> tuple[ClauseElement, ...]:
        return self.items

    def _render(self, w: SQLWriter) -> None:
        w.join(self.items, f" {self.operator} ", P_NOT)


class IsNull(ColumnElement):
    """``expr IS NULL`` / ``IS NOT NULL``."""

    __slots__ = ("negate", "operand")
    _prec = P_CMP

    def __init__(self, operand: ColumnElement, negate: bool) -> None:
        self._key = ("isnull", negate, operand._key)
        self._params = operand._params
        self.operand = operand
        self.negate = negate

    def __invert__(self) -> ColumnElement:
        return IsNull(self.operand, not self.negate)

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.operand,)

    def _render(self, w: SQLWriter) -> None:
        w.sub(self.operand, P_CMP + 1)
        w.write(" IS NOT NULL" if self.negate else " IS NULL")


class InList(ColumnElement):
    """``expr IN (list)``: ``= ANY($n)`` with one array parameter on PostgreSQL."""

    __slots__ = ("negate", "operand", "values")
    _prec = P_CMP

    def __init__(self, operand: ColumnElement, values: list[Any], negate: bool) -> None:
        self._key = ("in", negate, operand._key)
        self._params = (*operand._params, values)
        self.operand = operand
        self.values = values
        self.negate = negate

    def __invert__(self) -> ColumnElement:
        return InList(self.operand, self.values, not self.negate)

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.operand,)

    def _render(self, w: SQLWriter) -> None:
        w.sub(self.operand, P_CMP + 1)
        if w.pg:
            w.write(" <> ALL(" if self.negate else " = ANY(")
            w.bind(self.values)
            w.write(")")
        else:
            w.write(" NOT IN " if self.negate else " IN ")
            w.bind_list(self.values)


class InSelect(ColumnElement):
    """``expr IN (SELECT ...)``."""

    __slots__ = ("negate", "operand", "select")
    _prec = P_CMP

    def __init__(self, operand: ColumnElement, select: SelectBase, negate: bool) -> None:
        key, params = select._shape()
        self._key = ("insel", negate, operand._key, key)
        self._params = operand._params + params
        self.operand = operand
        self.select = select
        self.negate = negate

    def __invert__(self) -> ColumnElement:
        return InSelect(self.operand, self.select, not self.negate)

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.operand,)

    def _render(self, w: SQLWriter) -> None:
        w.sub(self.operand, P_CMP + 1)
        w.write(" NOT IN " if self.negate else " IN ")
        self.select._render(w)


class Between(ColumnElement):
    """``expr BETWEEN low AND high``."""

    __slots__ = ("high", "low", "negate", "operand")
    _prec = P_CMP

    def __init__(
        self, operand: ColumnElement, low: ColumnElement, high: ColumnElement, negate: bool
    ) -> None:
        self._key = ("between", negate, operand._key, low._key, high._key)
        self._params = operand._params + low._params + high._params
        self.operand = operand
        self.low = low
        self.high = high
        self.negate = negate

    def __invert__(self) -> ColumnElement:
        return Between(self.operand, self.low, self.high, not self.negate)

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.operand, self.low, self.high)

    def _render(self, w: SQLWriter) -> None:
        w.sub(self.operand, P_CMP + 1)
        w.write(" NOT BETWEEN " if self.negate else " BETWEEN ")
        w.sub(self.low, P_CMP + 1)
        w.write(" AND ")
        w.sub(self.high, P_CMP + 1)


class Like(ColumnElement):
    """``expr [NOT] LIKE/ILIKE pattern [ESCAPE e]`` (ILIKE is LIKE on SQLite)."""

    __slots__ = ("escape", "insensitive", "negate", "operand", "pattern")
    _prec = P_CMP

    def __init__(
        self,
        operand: ColumnElement,
        pattern: ColumnElement,
        insensitive: bool,
        negate: bool,
        escape: str | None,
    ) -> None:
        if escape is not None and (type(escape) is not str or len(escape) != 1):
            raise CompileError(f"a LIKE escape must be one character, got {escape!r}")
        self._key = ("like", insensitive, negate, escape is None, operand._key, pattern._key)
        params = operand._params + pattern._params
        self._params = params if escape is None else (*params, escape)
        self.operand = operand
        self.pattern = pattern
        self.insensitive = insensitive
        self.negate = negate
        self.escape = escape

    def __invert__(self) -> ColumnElement:
        return Like(self.operand, self.pattern, self.insensitive, not self.negate, self.escape)

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.operand, self.pattern)

    def _render(self, w: SQLWriter) -> None:
        w.sub(self.operand, P_CMP + 1)
        op = "ILIKE" if self.insensitive and w.pg else "LIKE"
        w.write(f" NOT {op} " if self.negate else f" {op} ")
        w.sub(self.pattern, P_CMP + 1)
        if self.escape is not None:
            w.write(" ESCAPE ")
            w.bind(self.escape)


class Label(ColumnElement):
    """``expr AS "name"``: names a select-list column (and a subquery's column)."""

    __slots__ = ("element", "name")

    def __init__(self, element: ColumnElement, name: str) -> None:
        if type(name) is not str or not name:
            raise CompileError(f"label() needs a non-empty str name, got {name!r}")
        self._key = ("label", element._key, name)
        self._params = element._params
        self.element = element
        self.name = name

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.element,)

    def _render(self, w: SQLWriter) -> None:
        # Outside a select list a label stands for its expression.
        self.element._render(w)

    @property
    def _prec(self) -> int:  # type: ignore[override]
        return self.element._prec


class Cast(ColumnElement):
    """``CAST(expr AS type)``."""

    __slots__ = ("element", "type_")

    def __init__(self, element: ColumnElement, type_: str | type) -> None:
        self.type_ = check_type_name(type_)
        self._key = ("cast", element._key, self.type_)
        self._params = element._params
        self.element = element

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.element,)

    def _render(self, w: SQLWriter) -> None:
        w.write("CAST(")
        self.element._render(w)
        w.write(f" AS {self.type_})")


class OrderItem(ClauseElement):
    """An ORDER BY item: expression, direction and where NULLs go."""

    __slots__ = ("descending", "element", "nulls")

    def __init__(self, element: ColumnElement, descending: bool, nulls: str | None) -> None:
        self._key = ("order", element._key, descending, nulls)
        self._params = element._params
        self.element = element
        self.descending = descending
        self.nulls = nulls

    def nulls_first(self) -> OrderItem:
        """The same order with NULLs first."""
        return OrderItem(self.element, self.descending, "FIRST")

    def nulls_last(self) -> OrderItem:
        """The same order with NULLs last."""
        return OrderItem(self.element, self.descending, "LAST")

    def _children(self) -> tuple[ClauseElement, ...]:
        return (self.element,)

    def _render(self, w: SQLWriter) -> None:
        element = self.element
        if type(element) is Label:
            w.ident(element.name)
        else:
            w.sub(element, P_NOT)
        if self.descending:
            w.write(" DESC")
        if self.nulls is not None:
            w.write(f" NULLS {self.nulls}")


class ScalarSelect(ColumnElement):
    """``(SELECT ...)`` used as a value; the select should return one column, one row."""

    __slots__ = ("select",)

    def __init__(self, select: SelectBase) -> None:
        self._key, self._params = select._shape()
        self._key = ("scalar", self._key)
        self.select = select

    def _render(self, w: SQLWriter) -> None:
        self.select._render(w)


def _escape_like(text: str) -> str:
    if type(text) is not str:
        raise TypeError(f"expected a str pattern, got {type(text).__name__}")
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def coerce(value: object) -> ColumnElement:
    """``value`` as an expression: expressions as they are, selects as scalar
    subqueries, any other Python value as a bound parameter."""
    if isinstance(value, ColumnElement):
        return value
    if isinstance(value, SelectBase):
        return ScalarSelect(value)
    if isinstance(value, ClauseElement):
        raise TypeError(f"{type(value).__name__} cannot be used as a value; use one of its columns")
    return Bind(value)


def coerce_condition(value: object, where: str) -> ColumnElement:
    """``value`` as a boolean condition, refusing Python bools and plain values."""
    if isinstance(value, ColumnElement):
        return value
    if type(value) is bool:
        raise CompileError(
            f"{where} got the Python bool {value}: Python compared two plain values "
            "instead of building SQL. Compare a column (users.c.x == 1), use & | ~ or "
            "and_()/or_()/not_() instead of and/or/not, or use true()/false()"
        )
    if value is None:
        raise CompileError(f"{where} got None instead of a condition")
    if isinstance(value, str):
        raise TypeError(f"{where} got a str; wrap raw SQL in text(...): {value!r}")
    raise TypeError(f"{where} needs a SQL condition, got {type(value).__name__}: {value!r}")


def and_items(conditions: tuple[object, ...], where: str) -> tuple[ColumnElement, ...]:
    """``conditions`` checked, with AND lists spread into their items (a WHERE clause
    kept as a tuple renders them joined with AND, as the AND list would)."""
    items: list[ColumnElement] = []
    for given in conditions:
        cond = coerce_condition(given, where)
        if type(cond) is BoolList and cond.operator == "AND":
            items.extend(cond.items)
        else:
            items.append(cond)
    return tuple(items)


def where_items(conditions: tuple[object, ...], where: str) -> tuple[object, ...]:
    """The items a ``where()`` call adds: ``conditions`` as given when each is already a
    plain condition (the common case, no copying), else checked by ``and_items``."""
    for cond in conditions:
        if type(cond) is BoolList or not isinstance(cond, ColumnElement):
            return and_items(conditions, where)
    return conditions


def binary_op(left: ColumnElement, op: str, right: ColumnElement, prec: int) -> BinaryOp:
    """``left op right``, binding as tightly as ``prec``."""
    # The node classes built most have no __init__: filling the slots here costs less
    # than passing the arguments through one (and X() less than object.__new__(X)).
    node = BinaryOp()
    node._key = (op, left._key, right._key)
    node._params = left._params + right._params
    node.left = left
    node.operator = op
    node.right = right
    node._prec = prec  # type: ignore[misc]
    return node


def _compare(left: ColumnElement, op: str, other: ClauseElement | None) -> ColumnElement:
    if isinstance(other, ColumnElement):
        quantified = other._quantified
        if quantified is None:
            return binary_op(left, op, other, P_CMP)
        return quantified(left, op)  # type: ignore[no-any-return]
    if other is None:
        if op == "=":
            return IsNull(left, False)
        if op == "<>":
            return IsNull(left, True)
        raise CompileError(f"cannot compare with None using {op}; use is_null()")
    return binary_op(left, op, coerce(other), P_CMP)


def _in(left: ColumnElement, values: object, negate: bool) -> ColumnElement:
    if isinstance(values, SelectBase):
        return InSelect(left, values, negate)
    if isinstance(values, str | bytes | bytearray | dict) or not isinstance(values, Iterable):
        raise TypeError(
            f"in_() takes a list (or other iterable) of values or a select, "
            f"got {type(values).__name__}: {values!r}"
        )
    if isinstance(values, ClauseElement):
        raise TypeError(f"in_() takes a list of values or a select, got {values!r}")
    return InList(left, list(values), negate)
