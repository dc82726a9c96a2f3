"""Driver registry: the URL's driver name picks the module, imported only when used."""

from __future__ import annotations

from importlib import import_module

from ..errors import ConfigurationError
from ._base import Driver

__all__ = ["get_driver"]

# driver name -> (module, the library it needs, the extra that installs it)
_DRIVERS = {
    "asyncpg": ("._asyncpg", "asyncpg", "covet-db[asyncpg]"),
    "psycopg": ("._psycopg", "psycopg", "covet-db[psycopg]"),
    "sqlite": ("._sqlite", "aiosqlite", "covet-db"),
}


def get_driver(name: str) -> Driver:
    """The driver named ``name``; a clear error says which extra to install if it is missing."""
    try:
        module_name, library, extra = _DRIVERS[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown database driver {name!r}; drivers: {', '.join(_DRIVERS)}"
        ) from None
    try:
        module = import_module(module_name, __package__)
    except ImportError as exc:
        if exc.name != library:
            raise
        raise ConfigurationError(
            f"the {name} driver needs the {library!r} package: pip install '{extra}'"
        ) from exc
    driver: Driver = module.DRIVER
    return driver
