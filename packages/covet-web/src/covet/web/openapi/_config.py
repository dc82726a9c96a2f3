"""OpenAPIConfig: the document's app-level settings and how the docs pages load."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ._security import SecurityScheme

__all__ = ["OpenAPIConfig"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class OpenAPIConfig:
    """App-level OpenAPI settings, passed as ``Covet(openapi=OpenAPIConfig(...))``.

    The title, version and description come from ``Covet(...)``; the URLs of the
    document and the pages from ``openapi_url``, ``docs_url`` and ``redoc_url``.

    - ``tags``: Tag Objects (``{"name": "items", "description": "..."}``), in display order.
    - ``servers``: Server Objects (``{"url": "https://api.example.com"}``); without them,
      a request's ``root_path`` (``uvicorn --root-path /api``, a mount) is the server.
    - ``security_schemes``: schemes to list even when no route depends on them (those
      used as dependencies are listed automatically).
    - ``security``: schemes required by every operation (the document-level requirement).
    - ``info``: extra Info Object members (``contact``, ``license``, ``termsOfService``).
    - ``swagger_ui_parameters``: options merged into Swagger UI's configuration.
    - ``swagger_ui_js_url``/``swagger_ui_css_url``/``redoc_js_url``: load the page
      assets from these URLs (a CDN) instead of the copies served by the app.
    """

    tags: Sequence[Mapping[str, Any]] = ()
    servers: Sequence[Mapping[str, Any]] = ()
    security_schemes: Sequence[SecurityScheme] = ()
    security: Sequence[SecurityScheme] = ()
    info: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    external_docs: Mapping[str, Any] | None = None
    swagger_ui_parameters: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    swagger_ui_js_url: str | None = None
    swagger_ui_css_url: str | None = None
    redoc_js_url: str | None = None
