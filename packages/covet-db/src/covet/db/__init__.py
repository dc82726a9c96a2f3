"""covet-db: async database access for PostgreSQL (asyncpg, psycopg 3) and SQLite.

This module only re-exports; the code lives in private modules.
"""

from ._connection import Connection as Connection
from ._database import Database as Database
from ._pool import PoolStats as PoolStats
from ._row import Row as Row
from ._transaction import IsolationLevel as IsolationLevel
from ._transaction import Transaction as Transaction
from ._url import DatabaseURL as DatabaseURL
from .errors import CheckViolation as CheckViolation
from .errors import CompileError as CompileError
from .errors import ConfigurationError as ConfigurationError
from .errors import ConnectionFailed as ConnectionFailed
from .errors import ConnectionLost as ConnectionLost
from .errors import DatabaseConnectionError as DatabaseConnectionError
from .errors import DatabaseError as DatabaseError
from .errors import DataError as DataError
from .errors import DeadlockDetected as DeadlockDetected
from .errors import ForeignKeyViolation as ForeignKeyViolation
from .errors import IntegrityError as IntegrityError
from .errors import NotNullViolation as NotNullViolation
from .errors import PoolClosed as PoolClosed
from .errors import PoolError as PoolError
from .errors import PoolTimeout as PoolTimeout
from .errors import ProgrammingError as ProgrammingError
from .errors import QueryCanceled as QueryCanceled
from .errors import QueryError as QueryError
from .errors import SerializationFailure as SerializationFailure
from .errors import TransactionConflict as TransactionConflict
from .errors import TransactionError as TransactionError
from .errors import UniqueViolation as UniqueViolation
from .query import CTE as CTE
from .query import Case as Case
from .query import Column as Column
from .query import ColumnCollection as ColumnCollection
from .query import ColumnElement as ColumnElement
from .query import Compiled as Compiled
from .query import CompoundSelect as CompoundSelect
from .query import Delete as Delete
from .query import FromClause as FromClause
from .query import FunctionCall as FunctionCall
from .query import Insert as Insert
from .query import Join as Join
from .query import Label as Label
from .query import OnConflict as OnConflict
from .query import OrderItem as OrderItem
from .query import Over as Over
from .query import Select as Select
from .query import Statement as Statement
from .query import Subquery as Subquery
from .query import Table as Table
from .query import TableAlias as TableAlias
from .query import TextClause as TextClause
from .query import Update as Update
from .query import all_ as all_
from .query import and_ as and_
from .query import any_ as any_
from .query import bindparam as bindparam
from .query import case as case
from .query import cast as cast
from .query import column as column
from .query import delete as delete
from .query import distinct as distinct
from .query import exists as exists
from .query import false as false
from .query import func as func
from .query import insert as insert
from .query import literal as literal
from .query import not_ as not_
from .query import null as null
from .query import or_ as or_
from .query import select as select
from .query import table as table
from .query import text as text
from .query import true as true
from .query import tuple_ as tuple_
from .query import update as update

__all__ = [
    "CTE",
    "Case",
    "CheckViolation",
    "Column",
    "ColumnCollection",
    "ColumnElement",
    "CompileError",
    "Compiled",
    "CompoundSelect",
    "ConfigurationError",
    "Connection",
    "ConnectionFailed",
    "ConnectionLost",
    "DataError",
    "Database",
    "DatabaseConnectionError",
    "DatabaseError",
    "DatabaseURL",
    "DeadlockDetected",
    "Delete",
    "ForeignKeyViolation",
    "FromClause",
    "FunctionCall",
    "Insert",
    "IntegrityError",
    "IsolationLevel",
    "Join",
    "Label",
    "NotNullViolation",
    "OnConflict",
    "OrderItem",
    "Over",
    "PoolClosed",
    "PoolError",
    "PoolStats",
    "PoolTimeout",
    "ProgrammingError",
    "QueryCanceled",
    "QueryError",
    "Row",
    "Select",
    "SerializationFailure",
    "Statement",
    "Subquery",
    "Table",
    "TableAlias",
    "TextClause",
    "Transaction",
    "TransactionConflict",
    "TransactionError",
    "UniqueViolation",
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
