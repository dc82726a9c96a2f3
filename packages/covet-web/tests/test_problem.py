"""RFC 9457 problem details: documents, responses and the errors that become them."""

from __future__ import annotations

import msgspec
import pytest

from covet.web import HTTPError, ProblemResponse, RequestValidationError, problem_response
from covet.web._problem import problem_document, problem_from_error
from covet.web.errors import MissingDependencyError, WebError, status_phrase


def test_problem_document_members() -> None:
    assert problem_document(404) == {"type": "about:blank", "title": "Not Found", "status": 404}
    document = problem_document(
        409, "taken", title="Conflict!", type="https://e.x/conflict", instance="/u/1", field="name"
    )
    assert document == {
        "type": "https://e.x/conflict",
        "title": "Conflict!",
        "status": 409,
        "detail": "taken",
        "instance": "/u/1",
        "field": "name",
    }
    assert list(document)[:3] == ["type", "title", "status"]


def test_problem_response() -> None:
    response = problem_response(429, "slow down", headers={"retry-after": "3"}, limit=10)
    assert isinstance(response, ProblemResponse)
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "3"
    assert msgspec.json.decode(response.body) == {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "slow down",
        "limit": 10,
    }


def test_http_error() -> None:
    error = HTTPError(403, "no", headers={"www-authenticate": "Bearer"}, scope="admin")
    assert error.status == error.status_code == 403
    assert error.title == "Forbidden"
    assert error.type == "about:blank"
    assert str(error) == "403 Forbidden: no"
    assert str(HTTPError(500)) == "500 Internal Server Error"
    assert isinstance(error, WebError)
    response = problem_from_error(error)
    assert response.headers["www-authenticate"] == "Bearer"
    assert msgspec.json.decode(response.body)["scope"] == "admin"
    with pytest.raises(ValueError, match="400-599"):
        HTTPError(200)


def test_unregistered_status_title() -> None:
    assert status_phrase(599) == "Error"
    assert HTTPError(599).title == "Error"


def test_request_validation_error() -> None:
    errors = [
        {"loc": ["query", "limit"], "msg": "Expected `int`", "type": "type_error"},
        {"loc": ["body", "name"], "msg": "Field required", "type": "missing"},
    ]
    error = RequestValidationError(errors)
    assert error.status == 422
    assert error.detail == "2 fields failed validation"
    assert RequestValidationError(errors[:1]).detail == "1 field failed validation"
    body = msgspec.json.decode(problem_from_error(error).body)
    assert body["status"] == 422
    assert body["errors"] == errors


def test_missing_dependency_error_names_the_extra() -> None:
    error = MissingDependencyError("app.run()", "uvicorn", "server")
    assert isinstance(error, ImportError)
    assert "pip install 'covet-web[server]'" in str(error)
