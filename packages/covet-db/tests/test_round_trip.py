"""Whatever a user sends comes back unchanged, on every driver, and never becomes SQL.

Values holding quotes, semicolons, comments, backslashes, placeholders and any unicode
go in through the query builder and through SQL text with ``:name`` placeholders, and
come back byte for byte. NUL bytes round-trip in bytes columns everywhere; PostgreSQL
text cannot hold them, which is a clear DataError that stores nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covet.db import Database, DataError, insert, select, table

ROUND_TRIP = settings(
    max_examples=60,
    deadline=None,
    # One table serves every example; each example deletes what it wrote.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

hostile_text = st.one_of(
    st.text(),
    st.sampled_from(
        [
            "'; DROP TABLE notes; --",
            "\\'",
            "/* comment */",
            "-- comment",
            "$1",
            "?",
            "%s",
            "%(x)s",
            ":name",
            '"',
            "''",
            "\\",
            "$q$ dollar $q$",
            "\u202e\u200b\ufeff",
        ]
    ),
    st.text(alphabet=st.sampled_from("'\";-/*\\%?$:\n\t é漢🙂")),
)

notes = table("notes", "id", "body", "blob")


async def _create(db: Database) -> None:
    blob_type = "BYTEA" if db.dialect == "postgresql" else "BLOB"
    await db.execute(
        f"CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT, blob {blob_type})"
    )
    await db.execute("DELETE FROM notes")


def _storable(db: Database, text: str) -> str:
    # PostgreSQL text cannot hold NUL (tested below); everything else must round-trip.
    return text.replace("\x00", "") if db.dialect == "postgresql" else text


@ROUND_TRIP
@given(text=hostile_text, blob=st.binary())
async def test_values_round_trip_through_the_query_builder(
    db: Database, text: str, blob: bytes
) -> None:
    await _create(db)
    text = _storable(db, text)
    await db.execute(insert(notes).values(id=1, body=text, blob=blob))
    row = await db.fetch_one(select(notes.c.body, notes.c.blob).where(notes.c.body == text))
    assert row is not None
    assert row.body == text
    assert bytes(row.blob) == blob
    assert await db.fetch_val("SELECT count(*) FROM notes") == 1


@ROUND_TRIP
@given(text=hostile_text, blob=st.binary())
async def test_values_round_trip_through_sql_text(db: Database, text: str, blob: bytes) -> None:
    await _create(db)
    text = _storable(db, text)
    await db.execute(
        "INSERT INTO notes (id, body, blob) VALUES (:id, :body, :blob)",
        {"id": 1, "body": text, "blob": blob},
    )
    got = await db.fetch_one(
        "SELECT body, blob FROM notes WHERE body = :body AND id = :id", {"body": text, "id": 1}
    )
    assert got is not None
    assert (got["body"], bytes(got["blob"])) == (text, blob)


async def test_nul_bytes_round_trip_in_bytes_columns(db: Database) -> None:
    await _create(db)
    blob = b"\x00head\x00\x00tail\x00"
    await db.execute(insert(notes).values(id=1, body="b", blob=blob))
    assert bytes(await db.fetch_val(select(notes.c.blob))) == blob


@pytest.mark.parametrize("driver", ["asyncpg", "psycopg"])
async def test_nul_in_postgresql_text_is_a_clear_error_that_stores_nothing(
    db: Database,
) -> None:
    await _create(db)
    with pytest.raises(DataError, match="NUL") as caught:
        await db.execute(insert(notes).values(id=1, body="before\x00after"))
    assert "bytea" in str(caught.value)
    assert await db.fetch_val("SELECT count(*) FROM notes") == 0
