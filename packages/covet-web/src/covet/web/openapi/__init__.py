"""OpenAPI 3.1: the document of an app, its settings and its security schemes.

The app serves the document at ``openapi_url`` (``/openapi.json``), Swagger UI at
``docs_url`` (``/docs``) and ReDoc at ``redoc_url`` (``/redoc``), offline::

    from covet.web.openapi import HTTPBearer, OpenAPIConfig

    bearer = HTTPBearer(bearer_format="JWT")
    app = Covet(title="Shop", openapi=OpenAPIConfig(tags=[{"name": "items"}]))

    @app.get("/me", tags=["users"])
    async def me(token: Annotated[str, Depends(bearer)]) -> User:
        \"\"\"The signed-in user.\"\"\"
"""

from ._config import OpenAPIConfig as OpenAPIConfig
from ._generator import OPENAPI_VERSION as OPENAPI_VERSION
from ._generator import generate_openapi as generate_openapi
from ._pages import redoc_html as redoc_html
from ._pages import swagger_ui_html as swagger_ui_html
from ._security import APIKey as APIKey
from ._security import HTTPBearer as HTTPBearer
from ._security import OAuth2 as OAuth2
from ._security import SecurityScheme as SecurityScheme

__all__ = [
    "OPENAPI_VERSION",
    "APIKey",
    "HTTPBearer",
    "OAuth2",
    "OpenAPIConfig",
    "SecurityScheme",
    "generate_openapi",
    "redoc_html",
    "swagger_ui_html",
]
