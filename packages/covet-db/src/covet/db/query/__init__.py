"""The covet-db query builder: immutable, chainable statements compiled per dialect.

    from covet.db.query import select, table

    users = table("users", "id", "name")
    stmt = select(users.c.id).where(users.c.name == "ada")

Every value is a bound parameter and every identifier is quoted. The SQL of a statement
shape is compiled once per dialect and cached. See docs/db/query-builder.md.
"""

from ._cache import Compiled as Compiled
from ._elements import ColumnElement as ColumnElement
from ._elements import Label as Label
from ._elements import OrderItem as OrderItem
from ._from import Column as Column
from ._from import ColumnCollection as ColumnCollection
from ._from import FromClause as FromClause
from ._from import Join as Join
from ._functions import Case as Case
from ._functions import FunctionCall as FunctionCall
from ._functions import Over as Over
from ._functions import case as case
from ._functions import func as func
from ._insert import Insert as Insert
from ._insert import OnConflict as OnConflict
from ._insert import insert as insert
from ._operators import all_ as all_
from ._operators import and_ as and_
from ._operators import any_ as any_
from ._operators import bindparam as bindparam
from ._operators import cast as cast
from ._operators import distinct as distinct
from ._operators import exists as exists
from ._operators import false as false
from ._operators import literal as literal
from ._operators import not_ as not_
from ._operators import null as null
from ._operators import or_ as or_
from ._operators import true as true
from ._operators import tuple_ as tuple_
from ._schema import Table as Table
from ._schema import TableAlias as TableAlias
from ._schema import column as column
from ._schema import table as table
from ._select import Select as Select
from ._select import select as select
from ._selectable import CompoundSelect as CompoundSelect
from ._statement import Statement as Statement
from ._subquery import CTE as CTE
from ._subquery import Subquery as Subquery
from ._text import TextClause as TextClause
from ._text import text as text
from ._update import Delete as Delete
from ._update import Update as Update
from ._update import delete as delete
from ._update import update as update

__all__ = [
    "CTE",
    "Case",
    "Column",
    "ColumnCollection",
    "ColumnElement",
    "Compiled",
    "CompoundSelect",
    "Delete",
    "FromClause",
    "FunctionCall",
    "Insert",
    "Join",
    "Label",
    "OnConflict",
    "OrderItem",
    "Over",
    "Select",
    "Statement",
    "Subquery",
    "Table",
    "TableAlias",
    "TextClause",
    "Update",
    "all_",
    "and_",
    "any_",
    "bindparam",
    "case",
    "cast",
    "column",
    "delete",
    "distinct",
    "exists",
    "false",
    "func",
    "insert",
    "literal",
    "not_",
    "null",
    "or_",
    "select",
    "table",
    "text",
    "true",
    "tuple_",
    "update",
]
