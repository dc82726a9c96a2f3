"""The pytest plugin: ``app`` and ``client`` fixtures.

Registered through the ``pytest11`` entry point, so it loads in every test session of a
project that installs covet-web; it therefore imports nothing heavy at module level.
Override ``app`` in your ``conftest.py``::

    @pytest.fixture
    def app() -> Covet:
        return create_app()

and ``client`` is a :class:`~covet.web.testing.TestClient` that ran the app's lifespan.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._client import TestClient

__all__ = ["app", "client"]


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
