"""Security schemes: what the OpenAPI document says about authentication.

Each scheme is also a dependency that reads the credential from the request, so using
it is what marks an operation as secured::

    bearer = HTTPBearer(bearer_format="JWT")

    @app.get("/me")
    async def me(token: Annotated[str, Depends(bearer)]) -> User: ...

    admin = Router(prefix="/admin", dependencies=[Depends(bearer)])   # every admin route

A missing credential is a 401 problem (with ``WWW-Authenticate`` for HTTP schemes);
with ``auto_error=False`` the dependency returns ``None`` instead and the handler
decides. Checking the credential (decoding the token, looking the key up) is the
application's job, in its own dependency built on this one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from .._request import Request
from ..errors import HTTPError

__all__ = ["APIKey", "HTTPBearer", "OAuth2", "SecurityScheme"]


class SecurityScheme:
    """Base of the schemes: a component name, a description and the requirement scopes."""

    type: str = ""

    def __init__(
        self,
        *,
        scheme_name: str,
        description: str | None = None,
        scopes: Sequence[str] = (),
        auto_error: bool = True,
    ) -> None:
        self.scheme_name = scheme_name
        self.description = description
        self.scopes: tuple[str, ...] = tuple(scopes)
        self.auto_error = auto_error

    def openapi(self) -> dict[str, Any]:
        """The Security Scheme Object for ``components/securitySchemes``."""
        document: dict[str, Any] = {"type": self.type}
        if self.description:
            document["description"] = self.description
        return document

    def requirement(self) -> dict[str, list[str]]:
        """The Security Requirement Object an operation using this scheme lists."""
        return {self.scheme_name: list(self.scopes)}

    def _missing(self, challenge: str | None) -> None:
        if self.auto_error:
            headers = {"WWW-Authenticate": challenge} if challenge else None
            raise HTTPError(401, "missing or malformed credentials", headers=headers)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scheme_name={self.scheme_name!r})"


def _bearer_token(request: Request) -> str | None:
    authorization = request.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class HTTPBearer(SecurityScheme):
    """``Authorization: Bearer <token>``; the dependency returns the token."""

    type = "http"

    def __init__(
        self,
        *,
        scheme_name: str = "bearer",
        bearer_format: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.bearer_format = bearer_format

    def openapi(self) -> dict[str, Any]:
        """``{"type": "http", "scheme": "bearer", ...}``."""
        document = {**super().openapi(), "scheme": "bearer"}
        if self.bearer_format:
            document["bearerFormat"] = self.bearer_format
        return document

    async def __call__(self, request: Request) -> str | None:
        token = _bearer_token(request)
        if token is None:
            self._missing("Bearer")
        return token


class APIKey(SecurityScheme):
    """An API key in a header, query parameter or cookie; the dependency returns it."""

    type = "apiKey"

    def __init__(
        self,
        name: str,
        *,
        location: Literal["header", "query", "cookie"] = "header",
        scheme_name: str = "apiKey",
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        if location not in ("header", "query", "cookie"):
            raise ValueError(f"APIKey location must be header, query or cookie, not {location!r}")
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.name = name
        self.location = location

    def openapi(self) -> dict[str, Any]:
        """``{"type": "apiKey", "name": ..., "in": ...}``."""
        return {**super().openapi(), "name": self.name, "in": self.location}

    async def __call__(self, request: Request) -> str | None:
        key: str | None
        if self.location == "header":
            key = request.headers.get(self.name)
        elif self.location == "query":
            key = request.query_params.get(self.name)
        else:
            key = request.cookies.get(self.name)
        if not key:
            self._missing(None)
            return None
        return key


class OAuth2(SecurityScheme):
    """OAuth 2 with bearer tokens; the dependency returns the token.

    ``token_url`` (and ``scopes``, name → description) describe the password flow;
    pass ``flows`` (an OpenAPI OAuth Flows Object) for any other. ``require`` lists the
    scopes an operation needs: ``Depends(oauth2.require("items:write"))``.
    """

    type = "oauth2"

    def __init__(
        self,
        *,
        token_url: str | None = None,
        scopes: Mapping[str, str] | None = None,
        flows: Mapping[str, Any] | None = None,
        scheme_name: str = "oauth2",
        description: str | None = None,
        auto_error: bool = True,
        required_scopes: Sequence[str] = (),
    ) -> None:
        if (token_url is None) == (flows is None):
            raise ValueError("OAuth2 needs exactly one of token_url= (password flow) or flows=")
        super().__init__(
            scheme_name=scheme_name,
            description=description,
            scopes=required_scopes,
            auto_error=auto_error,
        )
        self.flows: dict[str, Any] = (
            dict(flows)
            if flows is not None
            else {"password": {"tokenUrl": token_url, "scopes": dict(scopes or {})}}
        )

    def require(self, *scopes: str) -> OAuth2:
        """The same scheme, with an operation requirement of ``scopes``."""
        return OAuth2(
            flows=self.flows,
            scheme_name=self.scheme_name,
            description=self.description,
            auto_error=self.auto_error,
            required_scopes=scopes,
        )

    def openapi(self) -> dict[str, Any]:
        """``{"type": "oauth2", "flows": {...}}``."""
        return {**super().openapi(), "flows": self.flows}

    async def __call__(self, request: Request) -> str | None:
        token = _bearer_token(request)
        if token is None:
            self._missing("Bearer")
        return token
