"""The db area's data and SQL, shared by every implementation so all do the same work."""

from __future__ import annotations

import datetime as dt
import os
from urllib.parse import urlsplit, urlunsplit

SCHEMA = "covet_bench"
ROWS = 10_000
D2_ROWS = 1_000
COLUMNS = ("name", "email", "age", "score", "created")
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
# D5 inserts this row and deletes it again, so the table keeps its 10,000 rows.
NEW_ROW = ("Temp", "temp@example.com", 30, 1.5, _EPOCH)


def postgres_url() -> str:
    return os.environ.get("COVET_TEST_POSTGRES_URL") or DEFAULT_URL


def masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def with_scheme(url: str, scheme: str) -> str:
    return scheme + "://" + url.split("://", 1)[1]


def with_option(url: str, key: str, value: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{key}={value}"


def record(i: int) -> tuple[str, str, int, float, dt.datetime]:
    """Row ``i`` (1-based, equal to its id once loaded into an empty table)."""
    return (
        f"User {i}",
        f"user{i}@example.com",
        18 + i % 60,
        i * 0.5,
        _EPOCH + dt.timedelta(minutes=i),
    )


RECORDS = [record(i) for i in range(1, ROWS + 1)]
DICT_RECORDS = [dict(zip(COLUMNS, r, strict=True)) for r in RECORDS]


def email(i: int) -> str:
    return f"user{i}@example.com"


def d1_id(k: int) -> int:
    """The id the k-th D1 operation fetches (0-based k): ids cycle over the whole table."""
    return k % ROWS + 1


DDL = f"""
DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
CREATE SCHEMA {SCHEMA};
CREATE TABLE {SCHEMA}.users (
    id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL,
    age int NOT NULL, score float8 NOT NULL, created timestamptz NOT NULL
);
CREATE TABLE {SCHEMA}.users_load (
    id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL,
    age int NOT NULL, score float8 NOT NULL, created timestamptz NOT NULL
);
"""

# Raw SQL, one spelling per parameter style, identical otherwise.
_FIELDS = "id, name, email, age, score, created"
D1_SQL = f"SELECT {_FIELDS} FROM users WHERE id = $1"
D1_SQL_PSYCOPG = f"SELECT {_FIELDS} FROM users WHERE id = %s"
D1_SQL_COVET = f"SELECT {_FIELDS} FROM users WHERE id = :id"
D2_SQL = f"SELECT {_FIELDS} FROM users ORDER BY id LIMIT $1"
D2_SQL_PSYCOPG = f"SELECT {_FIELDS} FROM users ORDER BY id LIMIT %s"
D2_SQL_COVET = f"SELECT {_FIELDS} FROM users ORDER BY id LIMIT :limit"
D3_COPY_PSYCOPG = f"COPY users_load ({', '.join(COLUMNS)}) FROM STDIN"

D5_SELECT = D1_SQL
D5_UPDATE = "UPDATE users SET score = score + 1 WHERE id = $1"
D5_INSERT = (
    "INSERT INTO users (name, email, age, score, created) VALUES ($1, $2, $3, $4, $5) RETURNING id"
)
D5_DELETE = "DELETE FROM users WHERE id = $1"
D5_SCORE = "SELECT score FROM users WHERE id = $1"

D5_SELECT_PSYCOPG = D1_SQL_PSYCOPG
D5_UPDATE_PSYCOPG = "UPDATE users SET score = score + 1 WHERE id = %s"
D5_INSERT_PSYCOPG = (
    "INSERT INTO users (name, email, age, score, created) VALUES (%s, %s, %s, %s, %s) RETURNING id"
)
D5_DELETE_PSYCOPG = "DELETE FROM users WHERE id = %s"
D5_SCORE_PSYCOPG = "SELECT score FROM users WHERE id = %s"

D5_SELECT_COVET = D1_SQL_COVET
D5_UPDATE_COVET = "UPDATE users SET score = score + 1 WHERE id = :id"
D5_INSERT_COVET = (
    "INSERT INTO users (name, email, age, score, created) "
    "VALUES (:name, :email, :age, :score, :created) RETURNING id"
)
D5_DELETE_COVET = "DELETE FROM users WHERE id = :id"
D5_SCORE_COVET = "SELECT score FROM users WHERE id = :id"
NEW_ROW_DICT = dict(zip(COLUMNS, NEW_ROW, strict=True))

# D4 (no I/O): the k-th build uses these values; verify finds the last one's age.
D4_LIMIT = 20
D4_STATUS = "published"
D4_SINCE = _EPOCH


def d4_age(k: int) -> int:
    return 18 + k % 50
