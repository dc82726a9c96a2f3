"""The pytest plugin: ``app``, ``client`` and ``async_client`` fixtures.

Registered through the ``pytest11`` entry point, so it loads in every test session of a
project that installs covet-web; it therefore imports nothing heavy at module level.
Override ``app`` in your ``conftest.py``::

    @pytest.fixture
    def app() -> Covet:
        return create_app()

``client`` is a :class:`~covet.web.testing.TestClient` that ran the app's lifespan, and
``async_client`` an :class:`~covet.web.testing.AsyncTestClient` that did, for async tests
run by pytest-asyncio (on the fixture loop scope pytest-asyncio is configured with).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._client import AsyncTestClient, TestClient

__all__ = ["app", "async_client", "client"]


@pytest.fixture
def app() -> Any:
    """The application under test; override this fixture to return yours."""
    raise pytest.UsageError(
        "the `client` fixture needs an `app` fixture: define one in your conftest.py that "
        "returns your Covet application (or any ASGI app)"
    )


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A :class:`~covet.web.testing.TestClient` for ``app``, with its lifespan running."""
    from ._client import TestClient

    with TestClient(app) as test_client:
        yield test_client


async def _async_client(app: Any) -> AsyncIterator[AsyncTestClient]:
    """An :class:`~covet.web.testing.AsyncTestClient` for ``app``, with its lifespan running."""
    from ._client import AsyncTestClient

    async with AsyncTestClient(app) as test_client:
        yield test_client


def _async_client_needs_pytest_asyncio(app: Any) -> Any:
    """An :class:`~covet.web.testing.AsyncTestClient` for ``app`` (needs pytest-asyncio)."""
    raise pytest.UsageError(
        "the `async_client` fixture runs on pytest-asyncio, which is not installed: "
        "`pip install pytest-asyncio`, or open `AsyncTestClient(app)` in your test"
    )


async_client: Any
try:
    import pytest_asyncio
except ImportError:
    async_client = pytest.fixture(_async_client_needs_pytest_asyncio, name="async_client")
else:
    async_client = pytest_asyncio.fixture(_async_client, name="async_client")
