"""Database URLs: one string names the engine, the driver and where the data lives."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Final
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from .errors import ConfigurationError

__all__ = ["DEFAULT_DATABASE_URL", "ENV_VAR", "SUPPORTED_SCHEMES", "DatabaseURL"]

ENV_VAR: Final = "COVET_DATABASE_URL"
DEFAULT_DATABASE_URL: Final = "sqlite:///./covet.db"

# scheme -> (dialect, driver)
_SCHEMES: Final[dict[str, tuple[str, str]]] = {
    "sqlite": ("sqlite", "sqlite"),
    "sqlite+aiosqlite": ("sqlite", "sqlite"),
    "postgresql": ("postgresql", "asyncpg"),
    "postgres": ("postgresql", "asyncpg"),
    "postgresql+asyncpg": ("postgresql", "asyncpg"),
    "postgresql+psycopg": ("postgresql", "psycopg"),
}
SUPPORTED_SCHEMES: Final = tuple(_SCHEMES)
_SUPPORTED_TEXT: Final = (
    "sqlite:///path/to/file.db, sqlite:///:memory:, postgresql://user:password@host:5432/dbname "
    "(asyncpg), postgresql+psycopg://... (psycopg 3)"
)


@dataclass(frozen=True, slots=True)
class DatabaseURL:
    """A parsed database URL.

    >>> url = DatabaseURL.parse("postgresql://app:s3cret@db.internal:5433/shop?sslmode=require")
    >>> (url.driver, url.host, url.port, url.database, url.options["sslmode"])
    ('asyncpg', 'db.internal', 5433, 'shop', 'require')
    >>> url
    DatabaseURL('postgresql://app:***@db.internal:5433/shop?sslmode=require')

    ``dialect`` is ``"postgresql"`` or ``"sqlite"``; ``driver`` is ``"asyncpg"``,
    ``"psycopg"`` or ``"sqlite"``. For SQLite, ``database`` is the file path, or
    ``":memory:"``. ``options`` holds the query-string parameters, passed to the driver.
    """

    scheme: str
    dialect: str
    driver: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    options: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def parse(cls, url: str | DatabaseURL | None = None) -> DatabaseURL:
        """Parse ``url``; with ``None``, read ``COVET_DATABASE_URL``, else the SQLite default."""
        if isinstance(url, DatabaseURL):
            return url
        if url is None:
            url = os.environ.get(ENV_VAR) or DEFAULT_DATABASE_URL
        if not isinstance(url, str):
            raise ConfigurationError(
                f"a database URL must be a string, got {type(url).__name__}; "
                f"supported forms: {_SUPPORTED_TEXT}"
            )
        text = url.strip()
        scheme, sep, rest = text.partition("://")
        if not sep or not scheme:
            raise ConfigurationError(
                f"malformed database URL {_mask(text)!r}: it has no scheme (the part before "
                f"'://'); supported forms: {_SUPPORTED_TEXT}"
            )
        scheme_key = scheme.lower()
        if scheme_key not in _SCHEMES:
            raise ConfigurationError(
                f"unknown database URL scheme {scheme!r} in {_mask(text)!r}; supported schemes: "
                f"{', '.join(SUPPORTED_SCHEMES)}"
            )
        dialect, driver = _SCHEMES[scheme_key]
        if dialect == "sqlite":
            return cls._parse_sqlite(scheme_key, rest, text)
        return cls._parse_server(scheme_key, dialect, driver, text)

    @classmethod
    def _parse_sqlite(cls, scheme: str, rest: str, text: str) -> DatabaseURL:
        path, _, query = rest.partition("?")
        if path in ("", "/"):
            database = ":memory:"
        elif not path.startswith("/"):
            raise ConfigurationError(
                f"malformed SQLite URL {text!r}: the path must follow 'sqlite:///' "
                "(three slashes for a relative path, four for an absolute one, "
                "'sqlite:///:memory:' for an in-memory database)"
            )
        else:
            database = unquote(path[1:])
        return cls(
            scheme=scheme,
            dialect="sqlite",
            driver="sqlite",
            database=database,
            options=MappingProxyType(_parse_query(query, text)),
        )

    @classmethod
    def _parse_server(cls, scheme: str, dialect: str, driver: str, text: str) -> DatabaseURL:
        parts = urlsplit(text)
        try:
            port = parts.port
        except ValueError:
            port_text = parts.netloc.rpartition(":")[2]
            raise ConfigurationError(
                f"malformed database URL {_mask(text)!r}: the port {port_text!r} is not a "
                "number between 0 and 65535"
            ) from None
        database = unquote(parts.path[1:]) if parts.path.startswith("/") else None
        if database is not None and "/" in database:
            raise ConfigurationError(
                f"malformed database URL {_mask(text)!r}: the database name {database!r} "
                "must not contain '/'"
            )
        return cls(
            scheme=scheme,
            dialect=dialect,
            driver=driver,
            host=unquote(parts.hostname) if parts.hostname else None,
            port=port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            database=database or None,
            options=MappingProxyType(_parse_query(parts.query, text)),
        )

    @property
    def is_memory(self) -> bool:
        """True for an in-memory SQLite database."""
        return self.dialect == "sqlite" and self.database in (":memory:", "")

    def replace(self, **changes: object) -> DatabaseURL:
        """A copy with some parts changed: ``url.replace(database="other")``."""
        if "options" in changes and not isinstance(changes["options"], MappingProxyType):
            changes["options"] = MappingProxyType(dict(changes["options"]))  # type: ignore[call-overload]
        return replace(self, **changes)  # type: ignore[arg-type]

    def render(self, *, hide_password: bool = True) -> str:
        """The URL as text; the password is shown as ``***`` unless ``hide_password=False``."""
        query = "&".join(f"{quote(k)}={quote(v)}" for k, v in self.options.items())
        suffix = f"?{query}" if query else ""
        if self.dialect == "sqlite":
            return f"{self.scheme}:///{self.database}{suffix}"
        auth = ""
        if self.user is not None:
            auth = quote(self.user, safe="")
            if self.password is not None:
                auth += ":" + ("***" if hide_password else quote(self.password, safe=""))
            auth += "@"
        host = self.host or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{self.port}" if self.port is not None else ""
        database = f"/{quote(self.database, safe='')}" if self.database else ""
        return f"{self.scheme}://{auth}{host}{port}{database}{suffix}"

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"DatabaseURL({self.render()!r})"


def _parse_query(query: str, text: str) -> dict[str, str]:
    try:
        return dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    except ValueError:
        raise ConfigurationError(
            f"malformed database URL {_mask(text)!r}: the options after '?' must be "
            f"name=value pairs joined by '&', got {query!r}"
        ) from None


def _mask(text: str) -> str:
    """Hide a password in a URL that may not even parse."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    netloc, slash, tail = rest.partition("/")
    if "@" in netloc:
        auth, _, hostpart = netloc.rpartition("@")
        if ":" in auth:
            auth = auth.split(":", 1)[0] + ":***"
        netloc = f"{auth}@{hostpart}"
    return f"{scheme}{sep}{netloc}{slash}{tail}"
