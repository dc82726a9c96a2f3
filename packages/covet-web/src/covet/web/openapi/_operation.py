"""One route and method → an OpenAPI Operation Object (parameters, body, responses)."""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from .._files import FileResponse
from .._params import MISSING, BodyField, ParameterInfo, RequestBody
from .._responses import RedirectResponse, Response
from .._routing import HTTPRoute
from ..errors import status_phrase
from ._schema import REF_PREFIX, SchemaRegistry, apply_constraints, binary_schema
from ._security import SecurityScheme

__all__ = ["PROBLEM_SCHEMAS", "build_operation", "openapi_path", "path_parameter_names"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
_PATH_PARAM = re.compile(r"\{([^{}:]+)(?::([^{}]+))?\}")
_UNIONS = (typing.Union, types.UnionType)

PROBLEM_SCHEMAS: dict[str, dict[str, Any]] = {
    "ProblemDetails": {
        "title": "ProblemDetails",
        "description": "An RFC 9457 problem: every error response has this shape.",
        "type": "object",
        "properties": {
            "type": {"type": "string", "format": "uri-reference", "default": "about:blank"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "instance": {"type": "string", "format": "uri-reference"},
        },
        "required": ["type", "title", "status"],
    },
    "ValidationIssue": {
        "title": "ValidationIssue",
        "description": "One failing field: where it is, what is wrong, and the kind of error.",
        "type": "object",
        "properties": {
            "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
        "required": ["loc", "msg", "type"],
    },
    "ValidationProblem": {
        "title": "ValidationProblem",
        "description": "A 422 problem listing every field that failed validation.",
        "allOf": [
            {"$ref": REF_PREFIX + "ProblemDetails"},
            {
                "type": "object",
                "properties": {
                    "errors": {"type": "array", "items": {"$ref": REF_PREFIX + "ValidationIssue"}}
                },
                "required": ["errors"],
            },
        ],
    },
}


def openapi_path(path: str) -> str:
    """``/items/{id:int}`` → ``/items/{id}``."""
    return _PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def path_parameter_names(path: str) -> list[tuple[str, str | None]]:
    """``(name, converter name)`` of each path parameter."""
    return [(m.group(1), m.group(2)) for m in _PATH_PARAM.finditer(path)]


def _strip(tp: Any) -> tuple[Any, bool]:
    """``Annotated``/``Optional`` removed: ``(T, nullable)``."""
    nullable = False
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if typing.get_origin(tp) in _UNIONS and type(None) in typing.get_args(tp):
            rest = [a for a in typing.get_args(tp) if a is not type(None)]
            nullable = True
            if len(rest) == 1:
                tp = rest[0]
                continue
        return tp, nullable


def _json_value(value: Any) -> tuple[bool, Any]:
    try:
        return True, msgspec.to_builtins(value, str_keys=True)
    except (TypeError, ValueError):
        return False, None


def _finisher(
    constraints: Mapping[str, Any],
    default: Any,
    examples: Sequence[Any] | None,
    description: str | None = None,
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def finish(schema: dict[str, Any]) -> dict[str, Any]:
        schema = apply_constraints(schema, constraints)
        extra: dict[str, Any] = {}
        if default is not MISSING:
            ok, value = _json_value(default)
            if ok:
                extra["default"] = value
        if examples:
            ok, value = _json_value(list(examples))
            if ok:
                extra["examples"] = value
        if description:
            extra["description"] = description
        if extra and "$ref" in schema:
            return {"allOf": [schema], **extra}  # keep the reference intact
        return {**schema, **extra}

    return finish


def _parameter(info: ParameterInfo, registry: SchemaRegistry, where: str) -> dict[str, Any]:
    finish = _finisher(info.constraints, info.default, info.examples)
    out: dict[str, Any] = {
        "name": info.name,
        "in": info.location,
        "required": info.required,
        "schema": registry.pending(info.type, where, finish),
    }
    if info.description:
        out["description"] = info.description
    if info.deprecated:
        out["deprecated"] = True
    if info.examples:
        ok, value = _json_value(info.examples[0])
        if ok:
            out["example"] = value  # what Swagger UI pre-fills in "Try it out"
    return out


def _parameters(
    route: HTTPRoute, plan: Any, registry: SchemaRegistry, converters: Any, where: str
) -> list[dict[str, Any]]:
    infos: Sequence[ParameterInfo] = plan.parameters
    out = [_parameter(i, registry, where) for i in infos if i.include_in_schema]
    declared = {i.name for i in infos if i.location == "path"}
    # Every templated path parameter must be described, even when the handler ignores it.
    for name, converter in path_parameter_names(route.path):
        if name in declared:
            continue
        tp: Any = str
        if converter is not None:
            try:
                tp = converters.get(converter).python_type
            except Exception:
                tp = str
        out.append(
            {"name": name, "in": "path", "required": True, "schema": registry.pending(tp, where)}
        )
    return out


def _file_schema(tp: Any) -> dict[str, Any]:
    inner, nullable = _strip(tp)
    origin = typing.get_origin(inner)
    schema = binary_schema()
    if origin in (list, tuple, set, frozenset, Sequence, typing.Sequence):
        schema = {"type": "array", "items": binary_schema()}
    return {"anyOf": [schema, {"type": "null"}]} if nullable else schema


def _field_schema(field: BodyField, registry: SchemaRegistry, where: str) -> Any:
    if field.location == "file":
        schema = _file_schema(field.type)
        return _finisher({}, MISSING, None, field.description)(schema)
    finish = _finisher(field.constraints, field.default, field.examples, field.description)
    return registry.pending(field.type, where, finish)


def _request_body(body: RequestBody, registry: SchemaRegistry, where: str) -> dict[str, Any]:
    schema: Any
    if body.type is not None:
        schema = registry.pending(body.type, where)
    else:
        schema = {
            "type": "object",
            "properties": {f.name: _field_schema(f, registry, where) for f in body.fields},
        }
        required = [f.name for f in body.fields if f.required]
        if required:
            schema["required"] = required
    return {"required": body.required, "content": {body.media_type: {"schema": schema}}}


def _response_classes(tp: Any) -> tuple[list[type[Response]], list[Any]]:
    """The Response subclasses in a return annotation, and the other members."""
    members = list(typing.get_args(tp)) if typing.get_origin(tp) in _UNIONS else [tp]
    classes = [m for m in members if inspect.isclass(m) and issubclass(m, Response)]
    return classes, [m for m in members if m not in classes]


def _response_content(cls: type[Response]) -> dict[str, Any] | None:
    if issubclass(cls, FileResponse):
        return {"application/octet-stream": {"schema": binary_schema()}}
    media = cls.media_type
    if media is None:
        return None
    if media.startswith("text/"):
        return {media: {"schema": {"type": "string"}}}
    return {media: {"schema": {}}}


def _success(
    route: HTTPRoute, plan: Any, registry: SchemaRegistry, msgpack: bool, where: str
) -> tuple[int, dict[str, Any]]:
    tp = plan.return_type
    content: dict[str, Any] | None
    if tp is type(None):
        status = route.status_code or 204
        return status, {"description": status_phrase(status)}
    status = route.status_code or 200
    classes, others = _response_classes(tp) if tp is not None else ([], [tp])
    if classes and not others:
        if any(issubclass(c, RedirectResponse) for c in classes):
            status = route.status_code or 307
        content = _response_content(classes[0])
    elif others == [str]:
        content = {"text/plain": {"schema": {"type": "string"}}}
    elif others == [bytes]:
        content = {"application/octet-stream": {"schema": binary_schema()}}
    else:
        value_type = others[0] if len(others) == 1 else typing.Union[tuple(others)]  # noqa: UP007
        schema: Any = {} if tp is None else registry.pending(value_type, where)
        content = {"application/json": {"schema": schema}}
        if msgpack:
            content["application/msgpack"] = {"schema": schema}
    response: dict[str, Any] = {"description": status_phrase(status)}
    if content:
        response["content"] = content
    return status, response


def _declared_response(
    status: int, value: Any, registry: SchemaRegistry, where: str
) -> dict[str, Any]:
    """A ``responses={status: ...}`` entry: a description, a type, or a Response Object."""
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": REF_PREFIX + "ProblemDetails"}}}
    if value is None or isinstance(value, str):
        out: dict[str, Any] = {"description": value or status_phrase(status)}
        if status >= 400:
            out["content"] = problem
        return out
    if isinstance(value, Mapping):
        out = dict(value)
        model = out.pop("model", None)
        out.setdefault("description", status_phrase(status))
        if model is not None and "content" not in out:
            out["content"] = {"application/json": {"schema": registry.pending(model, where)}}
        elif "content" not in out and status >= 400:
            out["content"] = problem
        return out
    schema = registry.pending(value, where)
    return {
        "description": status_phrase(status),
        "content": {"application/json": {"schema": schema}},
    }


def _summary_and_description(route: HTTPRoute) -> tuple[str | None, str | None]:
    """The decorator's ``summary``/``description``, else the docstring's, else the name's.

    The docstring's first line is the summary and the rest the description (all of it
    when the decorator gives the summary); a form feed (``\\f``) ends the documented part.
    """
    summary, description = route.summary, route.description
    doc = (inspect.getdoc(route.endpoint) or "").partition("\f")[0].strip()
    if summary is None and doc:
        summary, _, doc = doc.partition("\n")
        summary = summary.strip()
    if description is None and doc:
        description = doc.strip() or None
    if summary is None and route.name:
        # "get_item" → "Get Item", what Swagger UI and ReDoc show next to the path.
        summary = re.sub(r"[_.]+", " ", route.name).strip().title()
    return summary, description


def security_requirements(plan: Any) -> list[SecurityScheme]:
    """The security schemes among the plan's dependencies, in order, without repeats."""
    seen: dict[tuple[str, tuple[str, ...]], SecurityScheme] = {}
    for dependency in plan.dependencies:
        if isinstance(dependency, SecurityScheme):
            seen.setdefault((dependency.scheme_name, dependency.scopes), dependency)
    return list(seen.values())


def build_operation(
    route: HTTPRoute,
    method: str,
    operation_id: str,
    registry: SchemaRegistry,
    *,
    converters: Any,
    msgpack: bool,
) -> dict[str, Any]:
    """The Operation Object for ``method`` on ``route`` (its plan must be built)."""
    plan = route.plan
    where = f"{method} {route.path}"
    operation: dict[str, Any] = {}
    if route.tags:
        operation["tags"] = list(route.tags)
    summary, description = _summary_and_description(route)
    if summary:
        operation["summary"] = summary
    if description:
        operation["description"] = description
    operation["operationId"] = operation_id
    parameters = _parameters(route, plan, registry, converters, where)
    if parameters:
        operation["parameters"] = parameters
    if plan.body is not None:
        operation["requestBody"] = _request_body(plan.body, registry, where)
    status, success = _success(route, plan, registry, msgpack, where)
    responses: dict[str, Any] = {str(status): success}
    for code, value in sorted(route.responses.items()):
        responses[str(code)] = _declared_response(code, value, registry, where)
    if (plan.parameters or plan.body is not None) and "422" not in responses:
        responses["422"] = {
            "description": "Validation failed",
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": REF_PREFIX + "ValidationProblem"}}},
        }
    operation["responses"] = responses
    if route.deprecated:
        operation["deprecated"] = True
    schemes = security_requirements(plan)
    if schemes:
        operation["security"] = [scheme.requirement() for scheme in schemes]
    return operation
