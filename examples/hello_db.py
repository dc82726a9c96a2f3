"""A first look at covet-db on the embedded SQLite default.

Run it with ``uv run python examples/hello_db.py``. It uses ``COVET_DATABASE_URL`` when
set, else ``sqlite:///./covet.db`` in the current directory.
"""

import asyncio

from covet.db import Database, UniqueViolation, insert, select, table

users = table("hello_users", "id", "name", "email")


async def main() -> None:
    async with Database() as db:
        print(f"connected to {db.url} with the {db.driver} driver")
        await db.execute(
            "CREATE TABLE IF NOT EXISTS hello_users ("
            " id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE)"
        )
        await db.execute("DELETE FROM hello_users")

        async with db.transaction():
            await db.execute(insert(users).values(name="Ada", email="ada@example.com"))
            await db.execute(insert(users).values(name="Grace", email="grace@example.com"))

        try:
            await db.execute(insert(users).values(name="Imposter", email="ada@example.com"))
        except UniqueViolation as exc:
            print(f"refused a duplicate e-mail: {exc.__class__.__name__}")

        query = select(users.c.id, users.c.name).order_by(users.c.name)
        for row in await db.fetch_all(query):
            print(f"{row.id}: {row.name}")
        total = await db.fetch_val("SELECT count(*) FROM hello_users")
        print(f"{total} users")


if __name__ == "__main__":
    asyncio.run(main())
