"""covet-db: async database access for PostgreSQL (asyncpg, psycopg 3) and SQLite.

This module only re-exports; the code lives in private modules.
"""

from ._row import Row as Row
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

__all__ = [
    "CheckViolation",
    "CompileError",
    "ConfigurationError",
    "ConnectionFailed",
    "ConnectionLost",
    "DataError",
    "DatabaseConnectionError",
    "DatabaseError",
    "DatabaseURL",
    "DeadlockDetected",
    "ForeignKeyViolation",
    "IntegrityError",
    "NotNullViolation",
    "PoolClosed",
    "PoolError",
    "PoolTimeout",
    "ProgrammingError",
    "QueryCanceled",
    "QueryError",
    "Row",
    "SerializationFailure",
    "TransactionConflict",
    "TransactionError",
    "UniqueViolation",
]
