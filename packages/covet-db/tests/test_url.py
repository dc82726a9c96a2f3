from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covet.db import ConfigurationError, DatabaseURL


def test_postgres_url_parts() -> None:
    url = DatabaseURL.parse("postgresql://app:p%40ss@db.example:6543/shop?sslmode=require")
    assert (url.dialect, url.driver) == ("postgresql", "asyncpg")
    assert (url.host, url.port, url.user, url.password) == ("db.example", 6543, "app", "p@ss")
    assert url.database == "shop"
    assert dict(url.options) == {"sslmode": "require"}
    assert "p@ss" not in repr(url) and "***" in str(url)
    assert (
        url.render(hide_password=False)
        == "postgresql://app:p%40ss@db.example:6543/shop?sslmode=require"
    )


@pytest.mark.parametrize(
    ("text", "driver"),
    [
        ("postgres://h/db", "asyncpg"),
        ("postgresql+asyncpg://h/db", "asyncpg"),
        ("postgresql+psycopg://h/db", "psycopg"),
        ("sqlite:///x.db", "sqlite"),
        ("sqlite+aiosqlite:///x.db", "sqlite"),
    ],
)
def test_schemes_pick_drivers(text: str, driver: str) -> None:
    assert DatabaseURL.parse(text).driver == driver


def test_sqlite_paths() -> None:
    assert DatabaseURL.parse("sqlite:///./covet.db").database == "./covet.db"
    assert DatabaseURL.parse("sqlite:////var/data/app.db").database == "/var/data/app.db"
    memory = DatabaseURL.parse("sqlite:///:memory:")
    assert memory.is_memory and memory.database == ":memory:"
    assert DatabaseURL.parse("sqlite://").is_memory


def test_default_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COVET_DATABASE_URL", raising=False)
    assert DatabaseURL.parse(None).database == "./covet.db"
    monkeypatch.setenv("COVET_DATABASE_URL", "postgresql+psycopg://u@h/d")
    assert DatabaseURL.parse(None).driver == "psycopg"


def test_unknown_scheme_lists_supported() -> None:
    with pytest.raises(
        ConfigurationError, match=r"unknown database URL scheme 'mysql'.*postgresql\+psycopg"
    ):
        DatabaseURL.parse("mysql://u:secret@h/d")


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("localhost/db", "no scheme"),
        ("postgresql://u:secret@h:99999/db", "port '99999'"),
        ("postgresql://u:secret@h:abc/db", "port 'abc'"),
        ("sqlite:relative.db", "no scheme"),
        ("postgresql://h/db/extra", "must not contain '/'"),
    ],
)
def test_malformed_urls_name_the_part(text: str, part: str) -> None:
    with pytest.raises(ConfigurationError, match=part) as info:
        DatabaseURL.parse(text)
    assert "secret" not in str(info.value)


def test_not_a_string() -> None:
    with pytest.raises(ConfigurationError, match="must be a string, got int"):
        DatabaseURL.parse(5)  # type: ignore[arg-type]


@given(
    user=st.text(min_size=1, max_size=20).filter(lambda s: s.strip() == s),
    password=st.text(max_size=20),
    database=st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and s.strip() == s),
    port=st.integers(min_value=1, max_value=65535),
)
def test_render_parse_round_trip(user: str, password: str, database: str, port: int) -> None:
    url = DatabaseURL(
        scheme="postgresql",
        dialect="postgresql",
        driver="asyncpg",
        host="db.example",
        port=port,
        user=user,
        password=password,
        database=database,
    )
    again = DatabaseURL.parse(url.render(hide_password=False))
    assert (again.user, again.password, again.database, again.port) == (
        user,
        password,
        database,
        port,
    )
