"""Fixtures shared by every package's tests: where the real services are.

PostgreSQL and Redis come from COVET_TEST_POSTGRES_URL and COVET_TEST_REDIS_URL, defaulting
to the services on 127.0.0.1. A test that needs an unreachable service skips with the
reason, except under CI=true, where it fails: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get(
    "COVET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("COVET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

_reachable: dict[str, str | None] = {}


def _probe(url: str, default_port: int) -> str | None:
    """None if a TCP connection to the URL's host and port opens, else the reason."""
    if url not in _reachable:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or default_port
        try:
            with socket.create_connection((host, port), timeout=2.0):
                _reachable[url] = None
        except OSError as exc:
            _reachable[url] = f"{host}:{port} is unreachable ({exc})"
    return _reachable[url]


def require_service(name: str, url: str, default_port: int) -> str:
    """Return ``url`` if the service answers; skip loudly, or fail under CI=true."""
    reason = _probe(url, default_port)
    if reason is not None:
        message = f"{name} service needed by this test: {reason}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message} (CI=true: an unreachable service fails the run)")
        pytest.skip(f"SKIPPED, NOT TESTED: {message}")
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of the test PostgreSQL server (asyncpg form)."""
    return require_service("PostgreSQL", POSTGRES_URL, 5432)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of the test Redis server."""
    return require_service("Redis", REDIS_URL, 6379)
